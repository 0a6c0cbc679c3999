package org.reidspark.data.synth;

import org.reidspark.data.synth.Look.Identity;
import org.reidspark.data.synth.Look.Outfit;
import org.reidspark.data.synth.PersonPainter.Pose;
import org.reidspark.data.synth.PersonPainter.View;

import java.awt.Color;
import java.awt.geom.AffineTransform;
import java.awt.geom.Area;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Rectangle2D;
import java.awt.geom.RoundRectangle2D;
import java.awt.image.BufferedImage;
import java.util.List;

/**
 * Renders one image: a window of the camera's scene, sometimes a passer-by behind, the person (scaled,
 * shifted and squeezed as a detector's box would crop it, walking in a pose and viewpoint drawn for the
 * image), optionally an occluder placed so that it hides a target fraction of the person, then the camera's
 * effects. Everything random comes from the image's own {@link Rng} key, so an image's bytes do not depend on
 * which thread renders it or in what order.
 */
final class Renderer {
    /** The fraction of a person an occluded image hides: drawn in this range, measured exactly afterwards. */
    static final double OCCLUSION_MIN = 0.2, OCCLUSION_MAX = 0.5;

    enum Occluder { CAR, PERSON, POLE, BOARD, BUSH, SIGN }

    /**
     * One rendered image.
     *
     * @param image      the picture, before compression
     * @param labels     part label per pixel, row-major ({@link Parts})
     * @param view       which side of the person the camera saw
     * @param visibility per part 1..5 (index 0 unused): visible pixels over pixels the part had in the frame
     *                   before occlusion; NaN for a part not in the frame
     * @param occluded   fraction of the person's pixels an occluder hides (0 when none)
     * @param occluder   the occluder's kind, or null
     * @param jpegQuality the camera's JPEG quality
     */
    record Rendered(BufferedImage image, byte[] labels, View view, double[] visibility, double occluded,
                    Occluder occluder, float jpegQuality) {
    }

    private final long seed;
    private final int height;
    private final int width;
    private final List<Camera> cameras;

    /** The renderer of the dataset {@code cfg} describes: its seed, size and cameras. */
    static Renderer of(SynthConfig cfg) {
        List<Camera> cameras = new java.util.ArrayList<>();
        for (int c = 0; c < cfg.cameras(); c++) cameras.add(Camera.create(cfg.seed(), c, cfg.cameras(), cfg.height(), cfg.width()));
        return new Renderer(cfg.seed(), cfg.height(), cfg.width(), cameras);
    }

    Renderer(long seed, int height, int width, List<Camera> cameras) {
        this.seed = seed;
        this.height = height;
        this.width = width;
        this.cameras = List.copyOf(cameras);
    }

    int height() {
        return height;
    }

    List<Camera> cameras() {
        return cameras;
    }

    int width() {
        return width;
    }

    /**
     * @param occlude whether this image must show an occluder hiding 20-50% of the person
     * @param key     the image's stream key (e.g. identity key and image index)
     */
    Rendered render(Identity id, Outfit outfit, int camera, boolean occlude, long... key) {
        return draw(id, outfit, camera, occlude, false, true, key);
    }

    /**
     * The same image as {@link #render} without the person (and without occluder): every other pixel is
     * drawn with the same random numbers, so the two differ exactly where the person is. For checking masks.
     */
    Rendered renderWithoutPerson(Identity id, Outfit outfit, int camera, long... key) {
        return draw(id, outfit, camera, false, false, false, key);
    }

    /** A junk detection: a fragment of a person far too large, or a tiny one, in the scene (Market's pid -1). */
    Rendered junk(Identity id, int camera, long... key) {
        return draw(id, id.outfits().get(0), camera, false, true, true, key);
    }

    private Rendered draw(Identity id, Outfit outfit, int camera, boolean occlude, boolean junk, boolean person, long... key) {
        Camera cam = cameras.get(camera);
        Rng r = Rng.of(concat(seed, Rng.IMAGE, key));
        Canvas c = new Canvas(width, height);
        // the scene seen at the person's distance: a window of the panorama, scaled to the crop
        double zoom = r.uniform(0.65, 1.5);
        int sw = (int) Math.round(width * zoom);
        int sh = (int) Math.round(height * zoom);
        int bx = r.nextInt(Math.max(1, cam.scene().getWidth() - sw));
        int by = r.nextInt(Math.max(1, cam.scene().getHeight() - sh));
        c.g.setRenderingHint(java.awt.RenderingHints.KEY_INTERPOLATION, java.awt.RenderingHints.VALUE_INTERPOLATION_BILINEAR);
        c.g.drawImage(cam.scene(), 0, 0, width, height, bx, by, bx + sw, by + sh, null);

        View view = View.values()[r.weighted(cam.viewWeights())];
        double phase = r.uniform(0, 2 * Math.PI);
        double fill = r.uniform(0.8, 0.97);
        double dy = clip(r.gaussian() * 0.035, 0.09);
        double dx = clip(r.gaussian() * 0.06, 0.16);
        double aspect = r.uniform(0.88, 1.12);
        double exposure = r.uniform(0.9, 1.1);
        double contrast = r.uniform(0.92, 1.08);
        if (junk) {
            if (r.chance(0.6)) {
                fill = r.uniform(1.8, 3.0);
                dy = r.uniform(-1.2, 0.3);
            } else {
                fill = r.uniform(0.25, 0.45);
                dy = r.uniform(0.1, 0.3);
            }
        }
        if (r.chance(0.2)) {
            // a passer-by behind the person, cut by the box's edge
            Identity other = People.create(seed, -2_000_000_000L - r.nextInt(1_000_000), 0, r.nextInt(100_000), 1);
            double u = height * r.uniform(0.75, 0.95);
            AffineTransform t = new AffineTransform();
            t.translate(width / 2.0 + r.sign() * width * r.uniform(0.55, 0.8), (height - u) / 2 + r.uniform(-0.05, 0.05) * height);
            t.scale(u, u);
            PersonPainter.paint(c, other, other.outfits().get(0), new Pose(View.values()[r.nextInt(4)], r.uniform(0, 6.3)), t, false);
        }
        double u = fill * height;
        AffineTransform unit = new AffineTransform();
        unit.translate(width / 2.0 + dx * width, (height - u) / 2 + dy * height);
        unit.scale(u * aspect / id.body().height(), u);
        // a soft shadow at the feet
        c.setTransform(unit);
        c.paintOnly(new Ellipse2D.Double(-0.16, 0.975, 0.32, 0.05), new Color(0, 0, 0, 60));
        c.resetTransform();
        if (person) PersonPainter.paint(c, id, outfit, new Pose(view, phase), unit, true);

        byte[] before = c.labels();
        int[] partsBefore = countParts(before);
        double occluded = 0;
        Occluder occluder = null;
        byte[] labels = before;
        if (occlude) {
            Rng or = Rng.of(concat(seed, Rng.OCCLUDER, key));
            occluder = occlude(c, before, or);
            labels = c.labels();
            occluded = 1 - (double) foreground(labels) / Math.max(1, foreground(before));
        }
        int[] partsAfter = countParts(labels);
        double[] visibility = new double[Parts.COUNT];
        visibility[0] = Double.NaN;
        for (int p = 1; p < Parts.COUNT; p++) {
            visibility[p] = partsBefore[p] == 0 ? Double.NaN : (double) partsAfter[p] / partsBefore[p];
        }
        c.dispose();
        Effects.apply(c.rgb, cam, exposure, contrast, r);
        return new Rendered(c.rgb, labels, view, visibility, occluded, occluder, cam.jpegQuality());
    }

    private static double clip(double v, double limit) {
        return Math.max(-limit, Math.min(limit, v));
    }

    private static long[] concat(long a, long b, long[] rest) {
        long[] out = new long[rest.length + 2];
        out[0] = a;
        out[1] = b;
        System.arraycopy(rest, 0, out, 2, rest.length);
        return out;
    }

    static int[] countParts(byte[] labels) {
        int[] n = new int[Parts.COUNT];
        for (byte b : labels) {
            int v = b & 0xff;
            if (v < Parts.COUNT) n[v]++;
        }
        return n;
    }

    static int foreground(byte[] labels) {
        int n = 0;
        for (byte b : labels) if (b != 0) n++;
        return n;
    }

    // ------------------------------------------------------------------ occluders

    /** Parameters of one occluder, fixed before its extent {@code t} is searched. */
    private record OccluderSpec(Occluder kind, Color colour, Color detail, int side, double anchor, Identity person,
                                double personScale, double phase, int bumps, double[] bumpJitter) {
    }

    /**
     * Places an occluder over the person so that it hides a fraction drawn in [0.2, 0.5] (measured on the label
     * image); tries other kinds if one cannot reach the target. Returns the kind painted.
     */
    private Occluder occlude(Canvas c, byte[] labels, Rng r) {
        int total = foreground(labels);
        int[] box = box(labels);
        double target = r.uniform(OCCLUSION_MIN + 0.03, OCCLUSION_MAX - 0.03);
        Canvas scratch = new Canvas(width, height);
        OccluderSpec best = null;
        double bestT = 0;
        double bestErr = Double.MAX_VALUE;
        for (int attempt = 0; attempt < 4 && bestErr > 0.02; attempt++) {
            Occluder kind = attempt == 3 ? Occluder.CAR : Occluder.values()[r.weighted(3, 3, 2, 2, 2, 1)];
            OccluderSpec spec = spec(kind, r, box);
            double lo = 0, hi = 1, t = 0.5;
            for (int it = 0; it < 12; it++) {
                t = (lo + hi) / 2;
                double cover = coverage(scratch, spec, t, box, labels, total);
                if (cover < target) lo = t;
                else hi = t;
            }
            t = (lo + hi) / 2;
            double err = Math.abs(coverage(scratch, spec, t, box, labels, total) - target);
            if (err < bestErr) {
                bestErr = err;
                best = spec;
                bestT = t;
            }
        }
        scratch.dispose();
        paintOccluder(c, best, bestT, box, Parts.BACKGROUND);
        return best.kind();
    }

    private double coverage(Canvas scratch, OccluderSpec spec, double t, int[] box, byte[] labels, int total) {
        scratch.clear(Color.BLACK);
        paintOccluder(scratch, spec, t, box, 1);
        byte[] mask = scratch.labels();
        int hidden = 0;
        for (int i = 0; i < mask.length; i++) if (mask[i] != 0 && labels[i] != 0) hidden++;
        return (double) hidden / Math.max(1, total);
    }

    private OccluderSpec spec(Occluder kind, Rng r, int[] box) {
        Color colour = switch (kind) {
            case CAR -> r.jitter(r.pick(Palette.TOPS), 12);
            case BUSH, SIGN -> r.jitter(r.pick(Palette.FOLIAGE), 12);
            case POLE -> r.jitter(r.chance(0.5) ? new Color(70, 72, 76) : new Color(96, 72, 50), 12);
            default -> r.jitter(r.pick(Palette.WALLS), 12);
        };
        Color detail = r.jitter(r.pick(Palette.TOPS), 12);
        Identity person = kind == Occluder.PERSON
                ? People.create(seed, -3_000_000_000L - r.nextInt(1_000_000), 0, r.nextInt(100_000), 1) : null;
        double[] jitter = new double[8];
        for (int i = 0; i < jitter.length; i++) jitter[i] = r.uniform(-1, 1);
        return new OccluderSpec(kind, colour, detail, r.sign(), r.uniform(0.3, 0.7), person, r.uniform(1.0, 1.2),
                r.uniform(0, 2 * Math.PI), r.range(3, 6), jitter);
    }

    /** Bounding box {x0, y0, x1, y1} of the labelled pixels (the whole image if none). */
    private int[] box(byte[] labels) {
        int x0 = width, y0 = height, x1 = -1, y1 = -1;
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                if (labels[y * width + x] != 0) {
                    x0 = Math.min(x0, x);
                    x1 = Math.max(x1, x);
                    y0 = Math.min(y0, y);
                    y1 = Math.max(y1, y);
                }
            }
        }
        return x1 < 0 ? new int[]{0, 0, width - 1, height - 1} : new int[]{x0, y0, x1, y1};
    }

    /** Paints the occluder at extent {@code t} in 0..1 (more of the person hidden as t grows). */
    private void paintOccluder(Canvas c, OccluderSpec s, double t, int[] box, int label) {
        double bw = box[2] - box[0] + 1;
        double bh = box[3] - box[1] + 1;
        double w = width;
        double h = height;
        switch (s.kind()) {
            case CAR -> {
                double top = box[3] - t * bh * 1.05;
                double arc = Math.min(h * 0.25, (h - top) * 0.6);
                c.fill(new RoundRectangle2D.Double(-w * 0.4, top, w * 1.8, h - top + arc, arc, arc), s.colour(), label);
                double bodyH = h - top;
                if (bodyH > h * 0.35) {
                    c.paintOnly(new Rectangle2D.Double(-w * 0.2, top + bodyH * 0.08, w * 1.4, bodyH * 0.3), new Color(62, 78, 95));
                }
                c.paintOnly(new Rectangle2D.Double(-w, top + Math.min(bodyH * 0.55, h * 0.18), w * 3, h * 0.012),
                        Palette.shade(s.colour(), 0.6));
                c.paintOnly(new Rectangle2D.Double(-w, top, w * 3, Math.max(1, h * 0.01)), Palette.mix(s.colour(), Color.WHITE, 0.4));
            }
            case BUSH -> {
                double top = box[3] - t * bh * 1.05;
                Area a = new Area(new Rectangle2D.Double(-w, top + h * 0.04, w * 3, h));
                double step = w * 1.3 / s.bumps();
                for (int i = 0; i <= s.bumps(); i++) {
                    double rr = h * (0.09 + 0.03 * s.bumpJitter()[i % 8]);
                    double cx = -w * 0.15 + i * step;
                    double cy = top + h * 0.04 + s.bumpJitter()[(i + 3) % 8] * h * 0.02;
                    a.add(new Area(new Ellipse2D.Double(cx - rr, cy - rr, rr * 2, rr * 2)));
                }
                c.fill(a, s.colour(), label);
                c.clip(a);
                for (int i = 0; i < 8; i++) {
                    double cx = w * (i / 7.0) + s.bumpJitter()[i] * w * 0.1;
                    double cy = top + h * (0.08 + 0.05 * Math.abs(s.bumpJitter()[(i + 1) % 8]));
                    c.paintOnly(new Ellipse2D.Double(cx - h * 0.05, cy - h * 0.03, h * 0.1, h * 0.06), Palette.shade(s.colour(), 0.7));
                }
                c.unclip();
            }
            case BOARD -> {
                double top = box[3] - t * bh * 1.1;
                double bwid = w * 0.78;
                double x = s.side() < 0 ? -w * 0.05 : w * 1.05 - bwid;
                c.fill(new Rectangle2D.Double(x, top, bwid, h - top + 2), s.colour(), label);
                c.paintOnly(new Rectangle2D.Double(x, top, bwid, Math.max(1.5, h * 0.02)), Palette.shade(s.colour(), 0.6));
                c.paintOnly(new Rectangle2D.Double(x + bwid * 0.15, top + h * 0.05, bwid * 0.5, h * 0.04), s.detail());
            }
            case POLE -> {
                double cx = box[0] + bw * s.anchor();
                double pw = Math.max(1, t * bw * 1.15);
                c.fill(new Rectangle2D.Double(cx - pw / 2, -2, pw, h + 4), s.colour(), label);
                c.paintOnly(new Rectangle2D.Double(cx - pw / 2, -2, pw * 0.3, h + 4), Palette.mix(s.colour(), Color.WHITE, 0.15));
                c.paintOnly(new Rectangle2D.Double(cx + pw * 0.25, -2, pw * 0.25, h + 4), Palette.shade(s.colour(), 0.75));
            }
            case SIGN -> {
                double bottom = box[1] + t * bh * 1.0;
                Area a = new Area(new Rectangle2D.Double(-w, -h, w * 3, h + bottom - h * 0.05));
                for (int i = 0; i <= s.bumps(); i++) {
                    double rr = h * (0.07 + 0.02 * s.bumpJitter()[i % 8]);
                    double cx = -w * 0.1 + i * w * 1.2 / s.bumps();
                    a.add(new Area(new Ellipse2D.Double(cx - rr, bottom - h * 0.05 - rr, rr * 2, rr * 2)));
                }
                c.fill(a, s.colour(), label);
                c.clip(a);
                for (int i = 0; i < 6; i++) {
                    double cx = w * (i / 5.0);
                    c.paintOnly(new Ellipse2D.Double(cx - h * 0.05, bottom - h * 0.12, h * 0.1, h * 0.07),
                            Palette.mix(s.colour(), Color.WHITE, 0.15));
                }
                c.unclip();
            }
            case PERSON -> {
                double u = height * 0.9 * s.personScale();
                double offset = s.side() * (1 - t) * w * 0.9;
                AffineTransform unit = new AffineTransform();
                unit.translate(w / 2.0 + offset, h - u * 0.97 + h * 0.06);
                unit.scale(u, u);
                AffineTransform saved = c.transform();
                View v = s.side() > 0 ? View.LEFT : View.RIGHT;
                if (label == Parts.BACKGROUND) {
                    PersonPainter.paint(c, s.person(), s.person().outfits().get(0), new Pose(v, s.phase()), unit, false);
                } else {
                    // the scratch canvas: any label > 0 marks the occluder
                    PersonPainter.paint(c, s.person(), s.person().outfits().get(0), new Pose(v, s.phase()), unit, true);
                }
                c.setTransform(saved);
            }
        }
    }
}
