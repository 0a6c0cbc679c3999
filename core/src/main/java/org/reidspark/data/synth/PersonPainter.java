package org.reidspark.data.synth;

import org.reidspark.data.synth.Look.BagStyle;
import org.reidspark.data.synth.Look.BottomStyle;
import org.reidspark.data.synth.Look.HairStyle;
import org.reidspark.data.synth.Look.HatStyle;
import org.reidspark.data.synth.Look.Identity;
import org.reidspark.data.synth.Look.Outfit;
import org.reidspark.data.synth.Look.Pattern;
import org.reidspark.data.synth.Look.ShoeStyle;
import org.reidspark.data.synth.Look.TopStyle;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.LinearGradientPaint;
import java.awt.MultipleGradientPaint;
import java.awt.Shape;
import java.awt.geom.AffineTransform;
import java.awt.geom.Area;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Line2D;
import java.awt.geom.Path2D;
import java.awt.geom.Point2D;
import java.awt.geom.Rectangle2D;
import java.awt.geom.RoundRectangle2D;

/**
 * Paints one person from body parts onto a {@link Canvas}, in "unit" coordinates: x = 0 is the body's axis,
 * y = 0 the top of the head and y = 1 the soles; the caller's transform places and scales the figure. The
 * viewpoint decides what is visible: the face, a chest logo, an open jacket and backpack straps from the front;
 * the whole backpack and long hair from the back; a profile with scissoring legs, swinging arms and the
 * far limbs shaded from the side. Painting order is depth order, in the picture and in the label image alike.
 */
final class PersonPainter {
    enum View { FRONT, BACK, LEFT, RIGHT }

    /**
     * @param view  which side of the person faces the camera
     * @param phase walking cycle phase in radians
     */
    record Pose(View view, double phase) {
    }

    /**
     * Width of body parts relative to the nominal proportions: clothed people in a detector's box are bulkier
     * than a figure drawing (the foreground covers about a third of a crop, as in real pedestrian boxes).
     */
    static final double BULK = 1.3;
    private static final Color DARK = new Color(25, 22, 20);
    private static final Color TRANSPARENT = new Color(0, 0, 0, 0);

    private final Canvas c;
    private final Identity id;
    private final Outfit o;
    private final Pose pose;
    private final boolean labelled;

    // landmarks, unit coordinates
    private final double b, hs, st;
    private final double headH, headW, headCy, shY, hipY, kneeY, ankleY, waistY;
    private final double sw, ww, hw, armW, thighW, calfW, depth;
    private final int bagSide;

    private PersonPainter(Canvas c, Identity id, Outfit o, Pose pose, boolean labelled) {
        this.c = c;
        this.id = id;
        this.o = o;
        this.pose = pose;
        this.labelled = labelled;
        Look.Body body = id.body();
        b = body.build() * BULK;
        hs = body.headSize();
        st = body.stride();
        headH = 0.125 * hs;
        headW = 0.088 * hs;
        headCy = 0.004 + headH / 2;
        shY = headH + 0.047;
        hipY = 1 - 0.485 * body.legRatio();
        ankleY = 0.955;
        kneeY = (hipY + ankleY) / 2 - 0.005;
        waistY = shY + (hipY - shY) * 0.68;
        sw = 0.104 * b;
        ww = 0.079 * b;
        hw = 0.088 * b;
        armW = 0.04 * b + 0.006;
        thighW = 0.066 * b + 0.004;
        calfW = 0.048 * b + 0.006;
        depth = 0.062 * b;
        bagSide = (id.key() & 1) == 0 ? 1 : -1;
    }

    /**
     * Paints {@code id} wearing {@code outfit} in {@code pose}. {@code unit} maps unit coordinates to pixels
     * (without the mirror for {@link View#LEFT}, which is applied here). With {@code labelled} false the person
     * is clutter: painted in the picture, erasing labels beneath it.
     */
    static void paint(Canvas c, Identity id, Outfit outfit, Pose pose, AffineTransform unit, boolean labelled) {
        AffineTransform t = new AffineTransform(unit);
        if (pose.view() == View.LEFT) t.scale(-1, 1);
        AffineTransform saved = c.transform();
        c.setTransform(t);
        PersonPainter p = new PersonPainter(c, id, outfit, pose, labelled);
        if (pose.view() == View.FRONT || pose.view() == View.BACK) p.frontOrBack(pose.view() == View.FRONT);
        else p.side();
        c.setTransform(saved);
    }

    private int lab(int part) {
        return labelled ? part : Parts.BACKGROUND;
    }

    private static Point2D.Double pt(double x, double y) {
        return new Point2D.Double(x, y);
    }

    private static Shape limb(Point2D a, Point2D b, double width) {
        return new BasicStroke((float) width, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND)
                .createStrokedShape(new Line2D.Double(a, b));
    }

    private static Point2D.Double lerp(Point2D a, Point2D b, double t) {
        return pt(a.getX() + (b.getX() - a.getX()) * t, a.getY() + (b.getY() - a.getY()) * t);
    }

    private static Ellipse2D.Double ellipse(double cx, double cy, double w, double h) {
        return new Ellipse2D.Double(cx - w / 2, cy - h / 2, w, h);
    }

    // ------------------------------------------------------------------ front and back

    private void frontOrBack(boolean front) {
        double s = Math.sin(pose.phase());
        Point2D.Double[][] legs = new Point2D.Double[2][];
        Point2D.Double[][] arms = new Point2D.Double[2][];
        for (int i = 0; i < 2; i++) {
            int side = i == 0 ? -1 : 1;
            double lift = 0.035 * st * Math.max(0, side * s);
            legs[i] = new Point2D.Double[]{pt(side * 0.045 * b, hipY + 0.02), pt(side * 0.047 * b, kneeY - lift * 0.6),
                    pt(side * (0.046 * b + 0.004), ankleY - lift)};
            double swing = -side * s * st;
            arms[i] = new Point2D.Double[]{pt(side * (sw - armW * 0.45), shY + 0.024),
                    pt(side * (sw + 0.006), shY + 0.16), pt(side * (sw + 0.002 + 0.008 * Math.abs(swing)), shY + 0.3 - 0.02 * swing)};
        }
        if (front && id.hairStyle() == HairStyle.LONG && o.hat() != HatStyle.BEANIE) {
            c.fill(new RoundRectangle2D.Double(-headW * 0.62, headCy - 0.01, headW * 1.24, shY + 0.085 - headCy, 0.03, 0.03),
                    id.hair(), lab(Parts.HEAD));
        }
        neck();
        for (int i = 0; i < 2; i++) leg(legs[i], 1.0);
        bottomGarment(false, legs);
        Shape torso = torsoFrontBack();
        topGarment(torso, front ? View.FRONT : View.BACK);
        if (o.bag() == BagStyle.SHOULDER) shoulderBag(front);
        for (int i = 0; i < 2; i++) arm(arms[i], 1.0);
        if (o.bag() == BagStyle.HAND) handBag(arms[bagSide > 0 ? 1 : 0][2]);
        if (front) {
            head(View.FRONT);
            if (o.backpack()) {
                for (int side = -1; side <= 1; side += 2) {
                    c.stroke(new Line2D.Double(side * sw * 0.55, shY + 0.003, side * sw * 0.62, shY + 0.15), 0.017,
                            Palette.shade(o.backpackColour(), 0.8), lab(Parts.TORSO));
                }
            }
        } else {
            if (o.backpack()) backpackBack();
            head(View.BACK);
        }
    }

    private void neck() {
        c.fill(new Rectangle2D.Double(-0.019 * hs, headCy, 0.038 * hs, shY + 0.015 - headCy), Palette.shade(id.skin(), 0.9),
                lab(Parts.HEAD));
    }

    private Shape torsoFrontBack() {
        double s = o.top() == TopStyle.TANK ? sw * 0.93 : sw;
        double hem = hemY();
        double flare = o.top() == TopStyle.COAT ? hw * 1.22 : hw * 1.02;
        Path2D.Double p = new Path2D.Double();
        p.moveTo(-s + 0.025, shY);
        p.lineTo(s - 0.025, shY);
        p.quadTo(s, shY, s, shY + 0.035);
        p.quadTo(ww * 1.05, waistY - 0.06, ww, waistY);
        p.lineTo(flare, hem);
        p.quadTo(0, hem + 0.01, -flare, hem);
        p.lineTo(-ww, waistY);
        p.quadTo(-ww * 1.05, waistY - 0.06, -s, shY + 0.035);
        p.quadTo(-s, shY, -s + 0.025, shY);
        p.closePath();
        return p;
    }

    private double hemY() {
        return switch (o.top()) {
            case COAT -> hipY + 0.13;
            case JACKET -> hipY + 0.025;
            default -> hipY + 0.01;
        };
    }

    /** The top garment over {@code torso}: colour, pattern, shading, and what the view shows of it. */
    private void topGarment(Shape torso, View view) {
        c.fill(torso, o.topColour(), lab(Parts.TORSO));
        c.clip(torso);
        pattern(torso, o.topPattern(), o.topAccent(), view);
        boolean sideView = view == View.LEFT || view == View.RIGHT;
        if (view == View.FRONT && o.top() == TopStyle.JACKET) {
            Color inner = o.topPattern() == Pattern.SOLID ? o.topAccent() : Palette.shade(o.topColour(), 0.7);
            double half = 0.018 * b;
            Path2D.Double strip = new Path2D.Double();
            strip.moveTo(-half * 1.6, shY - 0.005);
            strip.lineTo(half * 1.6, shY - 0.005);
            strip.lineTo(half, hemY() + 0.02);
            strip.lineTo(-half, hemY() + 0.02);
            strip.closePath();
            c.paintOnly(strip, inner);
            c.strokeOnly(new Line2D.Double(-half, shY + 0.02, -half, hemY()), 0.005, Palette.shade(o.topColour(), 0.6));
            c.strokeOnly(new Line2D.Double(half, shY + 0.02, half, hemY()), 0.005, Palette.shade(o.topColour(), 0.6));
        }
        if (view == View.FRONT && o.top() == TopStyle.COAT) {
            c.strokeOnly(new Line2D.Double(0.004, shY + 0.03, 0.004, hemY()), 0.004, Palette.shade(o.topColour(), 0.6));
            for (int i = 0; i < 3; i++) {
                c.paintOnly(ellipse(0.016, shY + 0.06 + i * 0.07, 0.012, 0.012), Palette.shade(o.topColour(), 0.5));
            }
        }
        if (!sideView && o.top() != TopStyle.JACKET && o.top() != TopStyle.COAT && view == View.FRONT) {
            // collar opening
            c.fill(ellipse(0, shY + 0.004, 0.05 * hs, 0.03), Palette.shade(id.skin(), 0.85), lab(Parts.HEAD));
        }
        if (o.belt() && o.top() != TopStyle.COAT) {
            c.paintOnly(new Rectangle2D.Double(-0.2, hipY - 0.012, 0.4, 0.014), new Color(40, 32, 26));
        }
        shade(torso, sideView ? -depth : -sw, sideView ? depth : sw);
        c.unclip();
    }

    /** Darkens the edges of a rounded body part (a light from the front) between {@code x0} and {@code x1}. */
    private void shade(Shape s, double x0, double x1) {
        if (x1 - x0 < 1e-6) return;
        c.paintOnly(s, new LinearGradientPaint(new Point2D.Double(x0, 0), new Point2D.Double(x1, 0),
                new float[]{0f, 0.3f, 0.6f, 1f},
                new Color[]{new Color(0, 0, 0, 95), TRANSPARENT, new Color(255, 255, 255, 18), new Color(0, 0, 0, 110)},
                MultipleGradientPaint.CycleMethod.NO_CYCLE));
    }

    /** Pattern painted inside the current clip (the garment). */
    private void pattern(Shape area, Pattern pattern, Color accent, View view) {
        Rectangle2D r = area.getBounds2D();
        switch (pattern) {
            case HSTRIPES -> {
                double period = 0.036;
                for (double y = r.getMinY() + period * 0.5; y < r.getMaxY(); y += period) {
                    c.paintOnly(new Rectangle2D.Double(r.getMinX(), y, r.getWidth(), period * 0.45), accent);
                }
            }
            case VSTRIPES -> {
                double period = 0.03;
                for (double x = -period * 10; x < period * 10; x += period) {
                    c.paintOnly(new Rectangle2D.Double(x, r.getMinY(), period * 0.4, r.getHeight()), accent);
                }
            }
            case CHECKS -> {
                double period = 0.042;
                Color a = Palette.alpha(accent, 0.55);
                for (double y = r.getMinY(); y < r.getMaxY(); y += period) {
                    c.paintOnly(new Rectangle2D.Double(r.getMinX(), y, r.getWidth(), period * 0.4), a);
                }
                for (double x = -period * 8; x < period * 8; x += period) {
                    c.paintOnly(new Rectangle2D.Double(x, r.getMinY(), period * 0.4, r.getHeight()), a);
                }
            }
            case LOGO -> {
                if (view == View.FRONT) logo(0, shY + 0.085, accent);
                else if (view == View.BACK) {
                    c.paintOnly(new Rectangle2D.Double(-0.045, shY + 0.045, 0.09, 0.018), accent);
                }
            }
            case TWO_TONE -> {
                if (view == View.LEFT || view == View.RIGHT) {
                    c.paintOnly(new Rectangle2D.Double(r.getMinX(), r.getMinY(), r.getWidth(), 0.06), accent);
                } else {
                    c.paintOnly(new Rectangle2D.Double(r.getMinX(), r.getMinY(), r.getWidth(), 0.075), accent);
                }
            }
            default -> {
            }
        }
    }

    private void logo(double x, double y, Color accent) {
        double s = 0.034 * b;
        switch (o.logoShape()) {
            case 0 -> c.paintOnly(ellipse(x, y, s * 1.3, s * 1.3), accent);
            case 1 -> c.paintOnly(new Rectangle2D.Double(x - s * 0.7, y - s * 0.5, s * 1.4, s), accent);
            case 2 -> {
                Path2D.Double t = new Path2D.Double();
                t.moveTo(x, y - s * 0.75);
                t.lineTo(x + s * 0.75, y + s * 0.6);
                t.lineTo(x - s * 0.75, y + s * 0.6);
                t.closePath();
                c.paintOnly(t, accent);
            }
            default -> {
                c.paintOnly(new Rectangle2D.Double(x - s * 1.1, y - s * 0.22, s * 2.2, s * 0.44), accent);
                c.paintOnly(new Rectangle2D.Double(x - s * 0.22, y - s * 0.7, s * 0.44, s * 1.4), accent);
            }
        }
    }

    /** A leg (hip, knee, ankle) with its shoe; {@code light} < 1 shades a far leg. */
    private void leg(Point2D.Double[] j, double light) {
        Color skin = Palette.shade(id.skin(), light * 0.95);
        Color cloth = Palette.shade(o.bottomColour(), light);
        Shape thigh = limb(j[0], j[1], thighW);
        Shape calf = limb(j[1], j[2], calfW);
        if (o.bottom() == BottomStyle.TROUSERS) {
            Shape calfCloth = limb(j[1], j[2], calfW * 1.15);
            c.fill(thigh, cloth, lab(Parts.LEGS));
            c.fill(calfCloth, cloth, lab(Parts.LEGS));
            if (o.bottomChecks()) {
                Area a = new Area(thigh);
                a.add(new Area(calfCloth));
                c.clip(a);
                pattern(a, Pattern.CHECKS, o.bottomAccent(), View.FRONT);
                c.unclip();
            }
            // a crease: the shading of a trouser leg
            c.strokeOnly(new Line2D.Double(lerp(j[0], j[1], 0.3), lerp(j[1], j[2], 0.8)), 0.006, Palette.shade(cloth, 0.75));
        } else {
            c.fill(thigh, skin, lab(Parts.LEGS));
            c.fill(calf, skin, lab(Parts.LEGS));
            if (o.bottom() == BottomStyle.SHORTS) {
                c.fill(limb(j[0], lerp(j[0], j[1], 0.6), thighW * 1.12), cloth, lab(Parts.LEGS));
            }
        }
        shoe(j[2], light);
    }

    private void shoe(Point2D ankle, double light) {
        Color colour = Palette.shade(id.shoeColour(), light);
        boolean side = pose.view() == View.LEFT || pose.view() == View.RIGHT;
        if (id.shoeStyle() == ShoeStyle.BOOT) {
            c.fill(new RoundRectangle2D.Double(ankle.getX() - calfW * 0.62, ankle.getY() - 0.075, calfW * 1.24, 0.09, 0.02, 0.02),
                    colour, lab(Parts.SHOES));
        }
        Shape foot = side ? ellipse(ankle.getX() + 0.024, ankle.getY() + 0.024, 0.088, 0.042)
                : ellipse(ankle.getX(), ankle.getY() + 0.025, Math.max(calfW * 1.25, 0.06), 0.046);
        c.fill(foot, colour, lab(Parts.SHOES));
        if (id.shoeStyle() == ShoeStyle.SNEAKER) {
            Rectangle2D r = foot.getBounds2D();
            c.clip(foot);
            c.paintOnly(new Rectangle2D.Double(r.getMinX(), r.getMaxY() - 0.012, r.getWidth(), 0.012),
                    Palette.mix(colour, Color.WHITE, 0.75));
            c.unclip();
        }
    }

    /** Hips of trousers and shorts, or the skirt. */
    private void bottomGarment(boolean sideView, Point2D.Double[][] legs) {
        Color cloth = o.bottomColour();
        if (o.bottom() == BottomStyle.SKIRT) {
            double top = hipY - 0.02;
            double hem = kneeY - 0.015;
            double half0 = sideView ? depth * 1.1 : hw * 1.03;
            double half1 = sideView ? depth * 1.1 + 0.045 : hw * 1.5;
            Path2D.Double p = new Path2D.Double();
            p.moveTo(-half0, top);
            p.lineTo(half0, top);
            p.lineTo(half1, hem);
            p.quadTo(0, hem + 0.02, -half1, hem);
            p.closePath();
            c.fill(p, cloth, lab(Parts.LEGS));
            if (o.bottomChecks()) {
                c.clip(p);
                pattern(p, Pattern.CHECKS, o.bottomAccent(), View.FRONT);
                c.unclip();
            }
            c.clip(p);
            shade(p, -half1, half1);
            c.unclip();
            return;
        }
        Path2D.Double p = new Path2D.Double();
        if (sideView) {
            p.append(ellipse(0, hipY + 0.02, depth * 2.1, 0.1), false);
        } else {
            p.moveTo(-hw, hipY - 0.015);
            p.lineTo(hw, hipY - 0.015);
            p.lineTo(hw * 0.97, hipY + 0.06);
            p.lineTo(0, hipY + 0.08);
            p.lineTo(-hw * 0.97, hipY + 0.06);
            p.closePath();
        }
        c.fill(p, cloth, lab(Parts.LEGS));
    }

    /** An arm (shoulder, elbow, wrist) with its sleeve and hand. */
    private void arm(Point2D.Double[] j, double light) {
        Color skin = Palette.shade(id.skin(), light);
        Shape upper = limb(j[0], j[1], armW);
        Shape fore = limb(j[1], j[2], armW * 0.9);
        c.fill(upper, skin, lab(Parts.ARMS));
        c.fill(fore, skin, lab(Parts.ARMS));
        Color sleeveColour = Palette.shade(o.topPattern() == Pattern.TWO_TONE ? o.topAccent() : o.topColour(), light);
        Shape sleeve = switch (o.top()) {
            case TANK -> null;
            case TSHIRT -> limb(j[0], lerp(j[0], j[1], 0.45), armW * 1.25);
            default -> {
                Area a = new Area(limb(j[0], j[1], armW * 1.12));
                a.add(new Area(limb(j[1], lerp(j[1], j[2], 0.92), armW * 1.02)));
                yield a;
            }
        };
        if (sleeve != null) {
            c.fill(sleeve, sleeveColour, lab(Parts.ARMS));
            if (o.topPattern() == Pattern.HSTRIPES || o.topPattern() == Pattern.CHECKS || o.topPattern() == Pattern.VSTRIPES) {
                c.clip(sleeve);
                pattern(sleeve, o.topPattern() == Pattern.VSTRIPES ? Pattern.HSTRIPES : o.topPattern(), o.topAccent(), View.FRONT);
                c.unclip();
            }
        }
        c.fill(ellipse(j[2].getX(), j[2].getY() + armW * 0.35, armW * 1.05, armW * 1.25), skin, lab(Parts.ARMS));
    }

    private void head(View view) {
        double cx = view == View.FRONT || view == View.BACK ? 0 : 0.008;
        Shape face = ellipse(cx, headCy, headW, headH);
        Color skin = id.skin();
        boolean side = view == View.LEFT || view == View.RIGHT;
        if (!side) {
            c.fill(ellipse(-headW / 2, headCy + 0.004, 0.016, 0.026), Palette.shade(skin, 0.9), lab(Parts.HEAD));
            c.fill(ellipse(headW / 2, headCy + 0.004, 0.016, 0.026), Palette.shade(skin, 0.9), lab(Parts.HEAD));
        }
        c.fill(face, skin, lab(Parts.HEAD));
        if (side) {
            c.fill(ellipse(cx + headW * 0.5, headCy + 0.008, 0.018, 0.02), skin, lab(Parts.HEAD));
        }
        c.clip(face);
        shade(face, cx - headW / 2, cx + headW / 2);
        c.unclip();
        if (view == View.FRONT) {
            for (int s = -1; s <= 1; s += 2) {
                c.paintOnly(ellipse(s * headW * 0.22, headCy - 0.002, 0.013, 0.009), DARK);
            }
            c.paintOnly(new Rectangle2D.Double(-headW * 0.16, headCy + headH * 0.27, headW * 0.32, 0.005),
                    Palette.shade(skin, 0.7));
            if (id.glasses()) {
                c.strokeOnly(new Line2D.Double(-headW * 0.38, headCy - 0.002, headW * 0.38, headCy - 0.002), 0.008, DARK);
            }
        } else if (side) {
            c.paintOnly(ellipse(cx + headW * 0.3, headCy - 0.003, 0.011, 0.009), DARK);
            if (id.glasses()) {
                c.strokeOnly(new Line2D.Double(cx - headW * 0.05, headCy - 0.004, cx + headW * 0.42, headCy - 0.002), 0.007, DARK);
            }
        }
        hair(view, cx);
        hat(view, cx);
    }

    private void hair(View view, double cx) {
        HairStyle style = id.hairStyle();
        if (o.hat() == HatStyle.BEANIE && style != HairStyle.LONG) style = HairStyle.CROPPED;
        double scale = switch (style) {
            case CURLY -> 1.28;
            case CROPPED -> 1.03;
            default -> 1.1;
        };
        Area hair = new Area(ellipse(cx, headCy - headH * 0.03, headW * scale, headH * (scale * 0.98)));
        boolean side = view == View.LEFT || view == View.RIGHT;
        if (view == View.FRONT) {
            double faceTop = style == HairStyle.CROPPED ? 0.3 : style == HairStyle.CURLY ? 0.18 : 0.24;
            hair.subtract(new Area(ellipse(cx, headCy + headH * faceTop, headW * 0.92, headH * 0.98)));
        } else if (side) {
            Area face = new Area(ellipse(cx + headW * 0.35, headCy + headH * 0.2, headW * 1.05, headH * 0.95));
            hair.subtract(face);
        } else {
            hair.subtract(new Area(new Rectangle2D.Double(-1, headCy + headH * 0.38, 2, 1)));
        }
        Color colour = id.hair();
        if (style == HairStyle.LONG) {
            if (view == View.BACK) {
                hair.add(new Area(new RoundRectangle2D.Double(cx - headW * 0.6, headCy - 0.01, headW * 1.2,
                        shY + 0.09 - headCy, 0.03, 0.03)));
            } else if (side) {
                hair.add(new Area(new RoundRectangle2D.Double(cx - headW * 0.62, headCy - 0.02, headW * 0.62,
                        shY + 0.08 - headCy, 0.02, 0.02)));
            }
        } else if (style == HairStyle.PONYTAIL && view != View.FRONT) {
            double x = side ? cx - headW * 0.62 : cx;
            hair.add(new Area(ellipse(x, headCy + headH * 0.55, 0.03, 0.085)));
        } else if (style == HairStyle.BUN) {
            double x = side ? cx - headW * 0.45 : cx;
            double y = view == View.FRONT ? headCy - headH * 0.52 : headCy - headH * 0.3;
            hair.add(new Area(ellipse(x, y, 0.045, 0.04)));
        }
        c.fill(hair, colour, lab(Parts.HEAD));
        c.clip(hair);
        c.paintOnly(ellipse(cx - headW * 0.15, headCy - headH * 0.35, headW * 0.5, headH * 0.25),
                Palette.alpha(Palette.mix(colour, Color.WHITE, 0.5), 0.22));
        c.unclip();
    }

    private void hat(View view, double cx) {
        if (o.hat() == HatStyle.NONE) return;
        Color colour = o.hatColour();
        if (o.hat() == HatStyle.BEANIE) {
            Area a = new Area(ellipse(cx, headCy - headH * 0.12, headW * 1.16, headH * 1.0));
            a.subtract(new Area(new Rectangle2D.Double(-1, headCy - headH * 0.08, 2, 1)));
            c.fill(a, colour, lab(Parts.HEAD));
            c.fill(new Rectangle2D.Double(cx - headW * 0.58, headCy - headH * 0.16, headW * 1.16, headH * 0.12),
                    Palette.shade(colour, 0.8), lab(Parts.HEAD));
            return;
        }
        Area dome = new Area(ellipse(cx, headCy - headH * 0.1, headW * 1.1, headH * 0.95));
        dome.subtract(new Area(new Rectangle2D.Double(-1, headCy - headH * 0.12, 2, 1)));
        c.fill(dome, colour, lab(Parts.HEAD));
        if (view == View.FRONT) {
            c.fill(ellipse(cx, headCy - headH * 0.13, headW * 1.2, headH * 0.16), Palette.shade(colour, 0.8), lab(Parts.HEAD));
        } else if (view != View.BACK) {
            c.fill(new RoundRectangle2D.Double(cx + headW * 0.2, headCy - headH * 0.17, headW * 0.62, headH * 0.1, 0.01, 0.01),
                    Palette.shade(colour, 0.8), lab(Parts.HEAD));
        }
    }

    private void shoulderBag(boolean front) {
        int s = bagSide;
        Color strap = Palette.shade(o.bagColour(), 0.75);
        c.stroke(new Line2D.Double(s * sw * 0.6, shY + 0.005, -s * hw * 0.95, hipY - 0.03), 0.013, strap, lab(Parts.TORSO));
        RoundRectangle2D.Double bag = new RoundRectangle2D.Double(-s * (hw + 0.012) - 0.032, hipY - 0.055, 0.064, 0.085, 0.015, 0.015);
        c.fill(bag, o.bagColour(), lab(Parts.TORSO));
        c.paintOnly(new Rectangle2D.Double(bag.x, bag.y, bag.width, 0.02), Palette.shade(o.bagColour(), 0.8));
    }

    private void handBag(Point2D wrist) {
        double x = wrist.getX();
        double y = wrist.getY() + 0.03;
        c.stroke(new Line2D.Double(x, wrist.getY(), x, y + 0.01), 0.008, Palette.shade(o.bagColour(), 0.7), lab(Parts.ARMS));
        c.fill(new RoundRectangle2D.Double(x - 0.035, y, 0.07, 0.075, 0.015, 0.015), o.bagColour(), lab(Parts.ARMS));
    }

    private void backpackBack() {
        Color colour = o.backpackColour();
        RoundRectangle2D.Double bag = new RoundRectangle2D.Double(-sw * 0.8, shY + 0.012, sw * 1.6, waistY + 0.02 - shY - 0.012,
                0.045, 0.045);
        c.fill(bag, colour, lab(Parts.TORSO));
        c.paintOnly(new RoundRectangle2D.Double(-sw * 0.55, bag.y + bag.height * 0.55, sw * 1.1, bag.height * 0.38, 0.03, 0.03),
                Palette.shade(colour, 0.8));
        c.clip(bag);
        shade(bag, -sw * 0.8, sw * 0.8);
        c.unclip();
    }

    // ------------------------------------------------------------------ side (facing +x; LEFT is mirrored)

    private void side() {
        double phi = pose.phase();
        double s = Math.sin(phi);
        double thigh = kneeY - hipY;
        double shin = ankleY - kneeY;
        Point2D.Double[][] legs = new Point2D.Double[2][];
        for (int i = 0; i < 2; i++) {
            double sign = i == 0 ? 1 : -1; // 0 near, 1 far
            double theta = 0.42 * st * sign * s;
            double bend = 0.55 * st * Math.max(0, -sign * Math.cos(phi)) + 0.05;
            Point2D.Double hip = pt(0.004, hipY + 0.02);
            Point2D.Double knee = pt(hip.x + thigh * Math.sin(theta), hip.y + thigh * Math.cos(theta));
            Point2D.Double ankle = pt(knee.x + shin * Math.sin(theta - bend), knee.y + shin * Math.cos(theta - bend));
            legs[i] = new Point2D.Double[]{hip, knee, ankle};
        }
        // keep the lower foot on the ground
        double lowest = Math.max(legs[0][2].y, legs[1][2].y);
        for (Point2D.Double[] leg : legs) for (Point2D.Double p : leg) p.y += ankleY - lowest;
        Point2D.Double[][] arms = new Point2D.Double[2][];
        for (int i = 0; i < 2; i++) {
            double sign = i == 0 ? -1 : 1;
            double alpha = 0.38 * st * sign * s;
            Point2D.Double sh = pt(0, shY + 0.026);
            Point2D.Double el = pt(sh.x + 0.14 * Math.sin(alpha), sh.y + 0.14 * Math.cos(alpha));
            double fore = alpha + 0.28;
            Point2D.Double wr = pt(el.x + 0.135 * Math.sin(fore), el.y + 0.135 * Math.cos(fore));
            arms[i] = new Point2D.Double[]{sh, el, wr};
        }
        arm(arms[1], 0.8);
        if (id.hairStyle() == HairStyle.LONG && o.hat() != HatStyle.BEANIE) {
            c.fill(new RoundRectangle2D.Double(-headW * 0.55, headCy, headW * 0.5, shY + 0.09 - headCy, 0.02, 0.02),
                    Palette.shade(id.hair(), 0.85), lab(Parts.HEAD));
        }
        leg(legs[1], 0.8);
        neck();
        if (o.bottom() != BottomStyle.SKIRT) bottomGarment(true, legs);
        leg(legs[0], 1.0);
        if (o.bottom() == BottomStyle.SKIRT) bottomGarment(true, legs);
        topGarment(torsoSide(), View.RIGHT);
        if (o.backpack()) {
            RoundRectangle2D.Double bag = new RoundRectangle2D.Double(-depth - 0.06, shY + 0.02, 0.075,
                    waistY + 0.02 - shY - 0.02, 0.03, 0.03);
            c.fill(bag, o.backpackColour(), lab(Parts.TORSO));
            c.stroke(new Line2D.Double(-depth + 0.005, shY + 0.01, depth * 0.5, shY + 0.035), 0.014,
                    Palette.shade(o.backpackColour(), 0.8), lab(Parts.TORSO));
        }
        if (o.bag() == BagStyle.SHOULDER) {
            Color strap = Palette.shade(o.bagColour(), 0.75);
            c.stroke(new Line2D.Double(-depth * 0.3, shY + 0.005, depth * 0.4, hipY - 0.03), 0.012, strap, lab(Parts.TORSO));
            if (bagSide > 0) {
                c.fill(new RoundRectangle2D.Double(-0.035, hipY - 0.05, 0.07, 0.08, 0.015, 0.015), o.bagColour(), lab(Parts.TORSO));
            }
        }
        arm(arms[0], 1.0);
        if (o.bag() == BagStyle.HAND) handBag(arms[0][2]);
        head(View.RIGHT);
    }

    private Shape torsoSide() {
        double d = depth;
        double hem = hemY();
        double flare = o.top() == TopStyle.COAT ? 0.03 : 0;
        Path2D.Double p = new Path2D.Double();
        p.moveTo(-d * 0.85, shY);
        p.quadTo(0, shY - 0.012, d * 0.8, shY + 0.01);
        p.quadTo(d * 1.2, shY + 0.07, d * 1.05, waistY - 0.04);
        p.lineTo(d * 0.95 + flare, hem);
        p.lineTo(-d * 1.05 - flare, hem);
        p.lineTo(-d * 0.95, waistY);
        p.quadTo(-d * 1.1, shY + 0.05, -d * 0.85, shY);
        p.closePath();
        return p;
    }
}
