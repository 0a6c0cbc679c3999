package org.reidspark.data.synth;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.reidspark.data.synth.Look.Identity;
import org.reidspark.data.synth.Renderer.Rendered;

import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RendererTest {
    private static final long SEED = 21;
    private static final int H = 128, W = 64, CAMERAS = 3;
    private static Renderer renderer;

    @BeforeAll
    static void cameras() {
        List<Camera> cams = new ArrayList<>();
        for (int c = 0; c < CAMERAS; c++) cams.add(Camera.create(SEED, c, CAMERAS, H, W));
        renderer = new Renderer(SEED, H, W, cams);
    }

    private static int diff(BufferedImage a, BufferedImage b, int x, int y) {
        int p = a.getRGB(x, y);
        int q = b.getRGB(x, y);
        return Math.abs(((p >> 16) & 0xff) - ((q >> 16) & 0xff)) + Math.abs(((p >> 8) & 0xff) - ((q >> 8) & 0xff))
                + Math.abs((p & 0xff) - (q & 0xff));
    }

    /** Whether a labelled pixel lies within {@code r} pixels of (x, y). */
    private static boolean near(byte[] labels, int x, int y, int r) {
        for (int dy = -r; dy <= r; dy++) {
            for (int dx = -r; dx <= r; dx++) {
                int xx = x + dx, yy = y + dy;
                if (xx >= 0 && yy >= 0 && xx < W && yy < H && labels[yy * W + xx] != 0) return true;
            }
        }
        return false;
    }

    /** Whether every pixel within {@code r} of (x, y) (inside the image) is labelled. */
    private static boolean inside(byte[] labels, int x, int y, int r) {
        for (int dy = -r; dy <= r; dy++) {
            for (int dx = -r; dx <= r; dx++) {
                int xx = x + dx, yy = y + dy;
                if (xx >= 0 && yy >= 0 && xx < W && yy < H && labels[yy * W + xx] == 0) return false;
            }
        }
        return true;
    }

    @Test
    void masksCoverExactlyWhereThePersonChangesThePicture() {
        long insideChanged = 0, insideAll = 0, outsideChanged = 0;
        for (int i = 0; i < 24; i++) {
            Identity id = People.create(SEED, i, i + 1, i % 5, 1);
            Rendered with = renderer.render(id, id.outfits().get(0), i % CAMERAS, false, i, 0);
            Rendered without = renderer.renderWithoutPerson(id, id.outfits().get(0), i % CAMERAS, i, 0);
            for (int y = 0; y < H; y++) {
                for (int x = 0; x < W; x++) {
                    boolean changed = diff(with.image(), without.image(), x, y) > 24;
                    // blur and low-resolution capture spread a person by a few pixels at most
                    if (!near(with.labels(), x, y, 4) && changed) outsideChanged++;
                    if (inside(with.labels(), x, y, 1)) {
                        insideAll++;
                        if (changed) insideChanged++;
                    }
                }
            }
        }
        assertEquals(0, outsideChanged, "pixels changed by the person far from its mask");
        assertTrue(insideAll > 24 * 500, "masks too small: " + insideAll);
        assertTrue(insideChanged > 0.8 * insideAll, insideChanged + " of " + insideAll + " mask pixels show the person");
    }

    @Test
    void occluderHidesTheRecordedFractionOfTheSamePerson() {
        for (int i = 0; i < 16; i++) {
            Identity id = People.create(SEED, 100 + i, i + 1, i % 5, 1);
            Rendered open = renderer.render(id, id.outfits().get(0), i % CAMERAS, false, 100 + i, 1);
            Rendered hidden = renderer.render(id, id.outfits().get(0), i % CAMERAS, true, 100 + i, 1);
            assertNotNull(hidden.occluder());
            int[] before = Renderer.countParts(open.labels());
            int[] after = Renderer.countParts(hidden.labels());
            int all = 0, visible = 0;
            for (int p = 1; p < Parts.COUNT; p++) {
                all += before[p];
                visible += after[p];
                assertTrue(after[p] <= before[p], "part " + Parts.name(p) + " grew under an occluder");
                if (before[p] > 0) assertEquals((double) after[p] / before[p], hidden.visibility()[p], 1e-12, Parts.name(p));
                else assertTrue(Double.isNaN(hidden.visibility()[p]));
            }
            double fraction = 1 - (double) visible / all;
            assertEquals(fraction, hidden.occluded(), 1e-12);
            assertTrue(fraction >= Renderer.OCCLUSION_MIN && fraction <= Renderer.OCCLUSION_MAX, "hides " + fraction);
            // outside the occluder, the person's labels are untouched
            for (int k = 0; k < open.labels().length; k++) {
                if (hidden.labels()[k] != 0) assertEquals(open.labels()[k], hidden.labels()[k]);
            }
        }
    }

    @Test
    void viewsChangeWhatIsVisible() {
        // the same person from the front and from the side: the side view is narrower
        Identity id = People.create(SEED, 7, 8, 0, 1);
        Canvas front = new Canvas(W, H);
        Canvas side = new Canvas(W, H);
        java.awt.geom.AffineTransform t = new java.awt.geom.AffineTransform();
        t.translate(W / 2.0, 8);
        t.scale(110, 110);
        PersonPainter.paint(front, id, id.outfits().get(0), new PersonPainter.Pose(PersonPainter.View.FRONT, 0), t, true);
        PersonPainter.paint(side, id, id.outfits().get(0), new PersonPainter.Pose(PersonPainter.View.LEFT, 0), t, true);
        int[] f = Renderer.countParts(front.labels());
        int[] s = Renderer.countParts(side.labels());
        assertTrue(s[Parts.TORSO] < f[Parts.TORSO], "side torso " + s[Parts.TORSO] + " vs front " + f[Parts.TORSO]);
        for (int p = 1; p < Parts.COUNT; p++) assertTrue(f[p] > 0 && s[p] > 0, Parts.name(p) + " missing");
    }
}
