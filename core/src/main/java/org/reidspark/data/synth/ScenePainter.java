package org.reidspark.data.synth;

import java.awt.Color;
import java.awt.GradientPaint;
import java.awt.geom.AffineTransform;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Line2D;
import java.awt.geom.Path2D;
import java.awt.geom.Rectangle2D;
import java.awt.geom.RoundRectangle2D;
import java.awt.image.BufferedImage;

/**
 * Paints a camera's scene: a street of facades, a campus with trees, or a mall with lit shop windows; a
 * ground plane with perspective tiles and markings; props (poles, trees, benches, bins, bicycles, parked cars,
 * planters) and far-away pedestrians; patches of light and shadow. Clothing colours recur in signs, shop
 * windows and passers-by, so the background is real clutter for colour statistics.
 */
final class ScenePainter {
    /** Panorama size relative to a crop. */
    static final double WIDE = 5.0, TALL = 1.6;

    /** The site's materials: every camera of a dataset looks at the same campus. */
    private final Color[] walls;
    private final Color[] grounds;
    private final int siteType;

    private ScenePainter(long seed) {
        Rng site = Rng.of(seed, Rng.CAMERA, -1);
        walls = new Color[]{site.pick(Palette.WALLS), site.pick(Palette.WALLS), site.pick(Palette.WALLS)};
        grounds = new Color[]{site.pick(Palette.GROUNDS)}; // one pavement for the whole site
        siteType = site.nextInt(3);
    }

    static BufferedImage paint(long seed, int camera, int height, int width) {
        return new ScenePainter(seed).paintCamera(seed, camera, height, width);
    }

    private BufferedImage paintCamera(long seed, int camera, int height, int width) {
        Rng r = Rng.of(seed, Rng.CAMERA, camera, 1);
        int pw = (int) Math.round(width * WIDE);
        int ph = (int) Math.round(height * TALL);
        double u = height;
        Canvas c = new Canvas(pw, ph);
        double horizon = ph * r.uniform(0.38, 0.62);
        int type = Math.floorMod(camera + siteType, 3); // street, campus, mall in turn over the cameras
        Color ground = r.jitter(r.pick(grounds), 10);
        c.clear(ground);
        switch (type) {
            case 0 -> street(c, r, u, horizon);
            case 1 -> campus(c, r, u, horizon);
            default -> mall(c, r, u, horizon);
        }
        groundPlane(c, r, u, horizon, ground, type);
        props(c, r, u, horizon, seed, camera);
        lighting(c, r, u, horizon);
        c.dispose();
        washOut(c.pixels(), 0.5, 0.7);
        return c.rgb;
    }

    /**
     * The surveillance look of a background: colours desaturated to {@code saturation} and contrast to
     * {@code contrast} around mid-grey, so that scenes are dull and the people in them stand out, as in CCTV
     * footage.
     */
    private static void washOut(int[] px, double saturation, double contrast) {
        for (int i = 0; i < px.length; i++) {
            int p = px[i];
            double rr = (p >> 16) & 0xff, gg = (p >> 8) & 0xff, bb = p & 0xff;
            double y = 0.299 * rr + 0.587 * gg + 0.114 * bb;
            double yc = 128 + (y - 128) * contrast;
            px[i] = (Rng.clamp(yc + (rr - y) * saturation) << 16) | (Rng.clamp(yc + (gg - y) * saturation) << 8)
                    | Rng.clamp(yc + (bb - y) * saturation);
        }
    }

    private void street(Canvas c, Rng r, double u, double horizon) {
        double x = -r.uniform(0, u);
        while (x < c.width) {
            double bw = u * r.uniform(0.5, 1.5);
            Color wall = r.jitter(r.pick(walls), 12);
            c.paintOnly(new Rectangle2D.Double(x, 0, bw, horizon), wall);
            double rowStep = u * r.uniform(0.15, 0.22);
            double colStep = u * r.uniform(0.12, 0.18);
            Color glass = r.jitter(new Color(60, 72, 88), 20);
            double ww = colStep * r.uniform(0.5, 0.75);
            double wh = rowStep * r.uniform(0.5, 0.75);
            for (double y = horizon - u * 0.45; y > -rowStep; y -= rowStep) {
                for (double wx = x + colStep * 0.3; wx + ww < x + bw; wx += colStep) {
                    c.paintOnly(new Rectangle2D.Double(wx, y, ww, wh), glass);
                    c.paintOnly(new Rectangle2D.Double(wx, y, ww, wh * 0.3), Palette.alpha(Color.WHITE, r.uniform(0.05, 0.25)));
                }
            }
            if (r.chance(0.6)) {
                Color sign = r.jitter(r.pick(Palette.TOPS), 15);
                c.paintOnly(new Rectangle2D.Double(x + bw * 0.1, horizon - u * 0.3, bw * 0.8, u * 0.07), sign);
                Color text = Palette.contrast(sign, r);
                for (double tx = x + bw * 0.15; tx < x + bw * 0.8; tx += u * 0.05) {
                    c.paintOnly(new Rectangle2D.Double(tx, horizon - u * 0.285, u * 0.03, u * 0.04), text);
                }
            }
            if (r.chance(0.5)) {
                c.paintOnly(new Rectangle2D.Double(x + bw * r.uniform(0.1, 0.6), horizon - u * 0.2, u * 0.12, u * 0.2),
                        r.jitter(new Color(50, 40, 35), 15));
            }
            c.paintOnly(new Rectangle2D.Double(x + bw - 2, 0, 2, horizon), Palette.shade(wall, 0.7));
            x += bw;
        }
    }

    private void campus(Canvas c, Rng r, double u, double horizon) {
        Color sky = r.jitter(new Color(178, 196, 214), 20);
        c.paintOnly(new Rectangle2D.Double(0, 0, c.width, horizon),
                new GradientPaint(0, 0, Palette.shade(sky, 0.9), 0, (float) horizon, Palette.mix(sky, Color.WHITE, 0.4)));
        double x = r.uniform(-u, 0);
        while (x < c.width) {
            double bw = u * r.uniform(0.8, 2.0);
            double bh = u * r.uniform(0.25, 0.6);
            Color wall = r.jitter(r.pick(walls), 12);
            c.paintOnly(new Rectangle2D.Double(x, horizon - bh, bw, bh), wall);
            for (double y = horizon - bh + u * 0.05; y < horizon - u * 0.05; y += u * 0.09) {
                c.paintOnly(new Rectangle2D.Double(x + u * 0.03, y, bw - u * 0.06, u * 0.035), Palette.shade(wall, 0.6));
            }
            x += bw + u * r.uniform(0.1, 0.6);
        }
        int trees = (int) (c.width / u * 1.2);
        for (int i = 0; i < trees; i++) {
            tree(c, r, u, r.uniform(0, c.width), horizon + r.uniform(-0.02, 0.05) * u, r.uniform(0.6, 1.1));
        }
        c.paintOnly(new Rectangle2D.Double(0, horizon - u * 0.02, c.width, u * 0.06), r.jitter(r.pick(Palette.FOLIAGE), 10));
    }

    private void mall(Canvas c, Rng r, double u, double horizon) {
        Color wall = r.jitter(r.pick(walls), 12);
        c.paintOnly(new Rectangle2D.Double(0, 0, c.width, horizon), wall);
        c.paintOnly(new Rectangle2D.Double(0, 0, c.width, u * 0.12), Palette.shade(wall, 0.8));
        for (double lx = r.uniform(0, u * 0.5); lx < c.width; lx += u * r.uniform(0.4, 0.7)) {
            c.paintOnly(new Rectangle2D.Double(lx, u * 0.04, u * 0.18, u * 0.025), new Color(255, 250, 230));
        }
        double x = r.uniform(-u * 0.5, 0);
        while (x < c.width) {
            double sw = u * r.uniform(0.6, 1.2);
            double top = horizon - u * r.uniform(0.45, 0.6);
            Color glass = r.jitter(new Color(150, 160, 165), 15);
            c.paintOnly(new Rectangle2D.Double(x, top, sw, horizon - top), glass);
            int items = r.range(2, 6);
            for (int i = 0; i < items; i++) {
                // garments and goods on display: clothing colours in the background
                double ix = x + r.uniform(0.05, 0.8) * sw;
                double iy = top + r.uniform(0.15, 0.6) * (horizon - top);
                c.paintOnly(new RoundRectangle2D.Double(ix, iy, u * r.uniform(0.06, 0.12), u * r.uniform(0.1, 0.22), 4, 4),
                        r.jitter(r.pick(Palette.TOPS), 15));
            }
            c.paintOnly(new Rectangle2D.Double(x, top - u * 0.06, sw, u * 0.06), r.jitter(r.pick(Palette.TOPS), 15));
            c.paintOnly(new Rectangle2D.Double(x + sw, top - u * 0.06, u * 0.08, horizon - top + u * 0.06), Palette.shade(wall, 0.85));
            x += sw + u * 0.08;
        }
    }

    private void groundPlane(Canvas c, Rng r, double u, double horizon, Color ground, int type) {
        c.paintOnly(new Rectangle2D.Double(0, horizon, c.width, c.height - horizon),
                new GradientPaint(0, (float) horizon, Palette.shade(ground, 0.85), 0, c.height, Palette.shade(ground, 1.08)));
        Color line = Palette.shade(ground, r.chance(0.5) ? 0.8 : 1.15);
        double vx = c.width * r.uniform(0.3, 0.7);
        double vy = horizon - u * r.uniform(0.3, 1.0);
        if (type != 1 || r.chance(0.5)) {
            double gap = u * 0.03;
            for (double y = horizon + gap; y < c.height; y += gap) {
                c.strokeOnly(new Line2D.Double(0, y, c.width, y), 1.0, line);
                gap *= 1.35;
            }
            for (double x = -c.width; x < 2 * c.width; x += u * 0.35) {
                double t = (c.height - vy) / (horizon - vy);
                c.strokeOnly(new Line2D.Double(vx + (x - vx) / t, horizon, x, c.height), 1.0, line);
            }
        }
        c.paintOnly(new Rectangle2D.Double(0, horizon, c.width, Math.max(1, u * 0.015)), Palette.shade(ground, 0.6));
        if (type == 0 && r.chance(0.5)) {
            double y = horizon + u * r.uniform(0.1, 0.5);
            Color mark = r.chance(0.7) ? new Color(230, 230, 225) : new Color(220, 190, 60);
            for (double x = r.uniform(0, u * 0.3); x < c.width; x += u * 0.45) {
                c.paintOnly(new Rectangle2D.Double(x, y, u * 0.25, u * 0.025), mark);
            }
        }
    }

    private void tree(Canvas c, Rng r, double u, double x, double baseY, double size) {
        Color trunk = r.jitter(new Color(92, 70, 50), 12);
        double th = u * 0.45 * size;
        c.paintOnly(new Rectangle2D.Double(x - u * 0.025 * size, baseY - th, u * 0.05 * size, th), trunk);
        for (int k = 0; k < 5; k++) {
            double cx = x + r.uniform(-0.18, 0.18) * u * size;
            double cy = baseY - th - r.uniform(0.0, 0.3) * u * size;
            double rr = u * r.uniform(0.12, 0.22) * size;
            c.paintOnly(new Ellipse2D.Double(cx - rr, cy - rr, rr * 2, rr * 2), r.jitter(r.pick(Palette.FOLIAGE), 12));
        }
    }

    private void props(Canvas c, Rng r, double u, double horizon, long seed, int camera) {
        int count = (int) Math.round(c.width / u * r.uniform(1.0, 2.2));
        for (int i = 0; i < count; i++) {
            double x = r.uniform(0, c.width);
            double y = horizon + r.uniform(0.02, 0.25) * u;
            double s = 0.6 + (y - horizon) / u * 1.6;
            switch (r.weighted(2, 1, 1, 1, 1, 1, 1, 3)) {
                case 0 -> { // pole or lamp post
                    Color pole = r.jitter(new Color(70, 72, 75), 15);
                    c.paintOnly(new Rectangle2D.Double(x, y - u * 1.2, u * 0.025 * s, u * 1.2), pole);
                    if (r.chance(0.4)) {
                        c.paintOnly(new Rectangle2D.Double(x - u * 0.06, y - u * 0.8, u * 0.14, u * 0.12),
                                r.jitter(r.pick(Palette.TOPS), 15));
                    }
                }
                case 1 -> tree(c, r, u, x, y, s * 0.8);
                case 2 -> { // bench
                    Color wood = r.jitter(new Color(120, 85, 55), 20);
                    c.paintOnly(new Rectangle2D.Double(x, y - u * 0.12 * s, u * 0.35 * s, u * 0.03 * s), wood);
                    c.paintOnly(new Rectangle2D.Double(x, y - u * 0.2 * s, u * 0.35 * s, u * 0.03 * s), wood);
                    c.paintOnly(new Rectangle2D.Double(x + u * 0.02, y - u * 0.12 * s, u * 0.02 * s, u * 0.12 * s), Color.DARK_GRAY);
                    c.paintOnly(new Rectangle2D.Double(x + u * 0.3 * s, y - u * 0.12 * s, u * 0.02 * s, u * 0.12 * s), Color.DARK_GRAY);
                }
                case 3 -> { // bin
                    c.paintOnly(new RoundRectangle2D.Double(x, y - u * 0.16 * s, u * 0.09 * s, u * 0.16 * s, 3, 3),
                            r.jitter(r.pick(new Color[]{new Color(40, 90, 50), new Color(60, 60, 65), new Color(150, 120, 40)}), 15));
                }
                case 4 -> { // bicycle
                    Color frame = r.jitter(r.pick(Palette.ACCESSORIES), 15);
                    double wr = u * 0.06 * s;
                    c.strokeOnly(new Ellipse2D.Double(x, y - 2 * wr, 2 * wr, 2 * wr), 1.2, Color.DARK_GRAY);
                    c.strokeOnly(new Ellipse2D.Double(x + 3 * wr, y - 2 * wr, 2 * wr, 2 * wr), 1.2, Color.DARK_GRAY);
                    Path2D.Double p = new Path2D.Double();
                    p.moveTo(x + wr, y - wr);
                    p.lineTo(x + 2.2 * wr, y - 2.6 * wr);
                    p.lineTo(x + 4 * wr, y - wr);
                    p.lineTo(x + 2.5 * wr, y - wr);
                    p.closePath();
                    c.strokeOnly(p, 1.5, frame);
                }
                case 5 -> { // parked car
                    Color body = r.jitter(r.pick(Palette.TOPS), 15);
                    double cw = u * 0.9 * s, ch = u * 0.3 * s;
                    c.paintOnly(new RoundRectangle2D.Double(x, y - ch, cw, ch * 0.65, ch * 0.3, ch * 0.3), body);
                    c.paintOnly(new RoundRectangle2D.Double(x + cw * 0.2, y - ch * 1.35, cw * 0.55, ch * 0.55, ch * 0.3, ch * 0.3), body);
                    c.paintOnly(new Rectangle2D.Double(x + cw * 0.25, y - ch * 1.25, cw * 0.45, ch * 0.35), new Color(70, 85, 100));
                    c.paintOnly(new Ellipse2D.Double(x + cw * 0.12, y - ch * 0.5, ch * 0.5, ch * 0.5), new Color(25, 25, 25));
                    c.paintOnly(new Ellipse2D.Double(x + cw * 0.7, y - ch * 0.5, ch * 0.5, ch * 0.5), new Color(25, 25, 25));
                }
                case 6 -> { // planter
                    c.paintOnly(new Rectangle2D.Double(x, y - u * 0.12 * s, u * 0.3 * s, u * 0.12 * s), r.jitter(r.pick(walls), 10));
                    c.paintOnly(new Ellipse2D.Double(x - u * 0.02, y - u * 0.3 * s, u * 0.34 * s, u * 0.22 * s), r.jitter(r.pick(Palette.FOLIAGE), 12));
                }
                default -> { // a passer-by further away
                    double ph = u * r.uniform(0.3, 0.65) * s;
                    Look.Identity who = People.create(seed, -1_000_000L - camera * 1000L - i, 0, r.nextInt(1000), 1);
                    AffineTransform t = new AffineTransform();
                    t.translate(x, y - ph);
                    t.scale(ph, ph);
                    PersonPainter.paint(c, who, who.outfits().get(0),
                            new PersonPainter.Pose(PersonPainter.View.values()[r.nextInt(4)], r.uniform(0, 2 * Math.PI)), t, false);
                }
            }
        }
    }

    private void lighting(Canvas c, Rng r, double u, double horizon) {
        int patches = r.range(1, 4);
        for (int i = 0; i < patches; i++) {
            double x = r.uniform(0, c.width);
            double y = r.uniform(0, c.height);
            double rw = u * r.uniform(0.4, 1.2);
            double rh = u * r.uniform(0.2, 0.6);
            Color tone = r.chance(0.5) ? Palette.alpha(Color.BLACK, r.uniform(0.1, 0.3)) : Palette.alpha(Color.WHITE, r.uniform(0.05, 0.18));
            c.paintOnly(new Ellipse2D.Double(x - rw, y - rh, rw * 2, rh * 2), tone);
        }
        if (r.chance(0.5)) {
            // a cast shadow band across the ground
            Path2D.Double p = new Path2D.Double();
            double x0 = r.uniform(0, c.width);
            p.moveTo(x0, horizon);
            p.lineTo(x0 + u * 0.6, horizon);
            p.lineTo(x0 + u * 1.5, c.height);
            p.lineTo(x0 + u * 0.4, c.height);
            p.closePath();
            c.paintOnly(p, Palette.alpha(Color.BLACK, r.uniform(0.12, 0.3)));
        }
    }
}
