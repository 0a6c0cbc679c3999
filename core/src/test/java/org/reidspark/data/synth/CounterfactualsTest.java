package org.reidspark.data.synth;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.reidspark.artifact.Storage;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * DG-Net's pixel ground truth ({@link Counterfactuals}): on a generated clothes-changing dataset (PNG, so the written
 * images are the renders exactly), an image redrawn with its own outfit is the written image; with another person's
 * outfit it changes only on the person and within the camera's reach of it (the union of both renders' masks, grown by
 * what the camera's resampling and blur spread), and does change there; with another image of the same person in the
 * same outfit it is the image itself.
 */
class CounterfactualsTest {
    @TempDir
    Path tmp;

    private record Image(String name, String path, int pid, int outfit, int camera) {
    }

    @Test
    void anOutfitFromAnotherImageChangesOnlyThePerson() throws IOException {
        SynthConfig cfg = new SynthConfig(SynthVariant.CLOTHES_CHANGING, tmp.toString(), 8, 3, 6, 64, 32, 5, 2, 2, 0, 0,
                0.25, 3, false);
        SynthGenerator.generate(cfg, new Storage(new Configuration()));
        List<Image> images = new ArrayList<>();
        for (JsonNode r : new ObjectMapper().readTree(tmp.resolve(SynthGenerator.DESCRIPTION).toFile()).get("images")) {
            if (!r.get("kind").asText().equals("person")) continue;
            String path = r.get("image").asText();
            images.add(new Image(path.substring(path.lastIndexOf('/') + 1), path, r.get("pid").asInt(), r.get("outfit").asInt(),
                    r.get("camera").asInt() - 1));
        }
        Counterfactuals cf = new Counterfactuals(cfg);
        Image j = images.get(0);
        BufferedImage written = ImageIO.read(tmp.resolve(j.path()).toFile());
        Counterfactuals.Render own = cf.original(j.name());
        assertEquals(0, differing(own.image(), written, null), "the render with its own outfit is the written image");

        Image sameOutfit = images.stream().filter(o -> o.pid() == j.pid() && o.outfit() == j.outfit() && !o.name().equals(j.name()))
                .findFirst().orElseThrow();
        assertEquals(0, differing(cf.render(sameOutfit.name(), j.name()).image(), own.image(), null),
                "another image of the same person in the same outfit gives the image itself");

        // the camera spreads a change: its lower-resolution capture (bilinear down and up) and its blur
        Camera cam = Camera.create(cfg.seed(), j.camera(), cfg.cameras(), cfg.height(), cfg.width());
        double sigma = cam.blur() * cfg.height() / 128.0;
        int reach = 1 + (cam.resolution() < 0.99 ? (int) Math.ceil(2 / cam.resolution()) : 0)
                + (sigma > 0.25 ? (int) Math.ceil(2.5 * sigma) : 0);
        int changedSomewhere = 0;
        for (Image i : images) {
            if (i.pid() == j.pid()) continue;
            Counterfactuals.Render cross = cf.render(i.name(), j.name());
            boolean[] person = grown(own.foreground(), cross.foreground(), reach);
            assertEquals(0, differing(cross.image(), own.image(), person),
                    i.name() + "'s outfit on " + j.name() + " changed pixels away from the person");
            changedSomewhere += differing(cross.image(), own.image(), null) > 20 ? 1 : 0;
        }
        assertTrue(changedSomewhere >= 3, "other people's outfits change the person: " + changedSomewhere);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> cf.render("nobody.png", j.name()));
        assertTrue(e.getMessage().contains("nobody.png"), e.getMessage());
    }

    /** Pixels where {@code a} and {@code b} differ, outside {@code allowed} (null: anywhere). */
    private static int differing(BufferedImage a, BufferedImage b, boolean[] allowed) {
        assertEquals(a.getWidth(), b.getWidth());
        assertEquals(a.getHeight(), b.getHeight());
        int n = 0;
        for (int y = 0; y < a.getHeight(); y++) {
            for (int x = 0; x < a.getWidth(); x++) {
                if ((a.getRGB(x, y) & 0xffffff) != (b.getRGB(x, y) & 0xffffff) && (allowed == null || !allowed[y * a.getWidth() + x])) n++;
            }
        }
        return n;
    }

    /** The union of two masks, grown by {@code r} pixels. */
    private static boolean[] grown(BufferedImage m1, BufferedImage m2, int r) {
        int w = m1.getWidth();
        int h = m1.getHeight();
        boolean[] out = new boolean[w * h];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                if ((m1.getRaster().getSample(x, y, 0) | m2.getRaster().getSample(x, y, 0)) == 0) continue;
                for (int dy = -r; dy <= r; dy++) {
                    for (int dx = -r; dx <= r; dx++) {
                        int xx = x + dx, yy = y + dy;
                        if (xx >= 0 && yy >= 0 && xx < w && yy < h) out[yy * w + xx] = true;
                    }
                }
            }
        }
        return out;
    }
}
