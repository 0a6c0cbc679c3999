package org.reidspark.data.synth;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.reidspark.artifact.Storage;
import org.reidspark.data.Manifest;
import org.reidspark.data.Sample;
import org.reidspark.data.Split;
import org.reidspark.data.catalog.Catalogs;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SynthGeneratorTest {
    private static final Storage STORAGE = new Storage(new Configuration());
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int IDENTITIES = 12, CAMERAS = 4, IMAGES = 6, DISTRACTORS = 3, JUNK = 2;
    private static final double OCCLUDED_FRACTION = 0.25;

    @TempDir
    Path tmp;

    private static SynthConfig small(SynthVariant v, Path out, long seed, int threads) {
        return new SynthConfig(v, out.toString(), IDENTITIES, CAMERAS, IMAGES, 64, 32, seed, threads, 2, DISTRACTORS, JUNK,
                OCCLUDED_FRACTION, 3, false);
    }

    private static JsonNode description(Path out) throws IOException {
        return JSON.readTree(out.resolve(SynthGenerator.DESCRIPTION).toFile());
    }

    /** Every file under {@code root}, by relative path, with its bytes. */
    private static Map<String, byte[]> files(Path root) throws IOException {
        Map<String, byte[]> out = new TreeMap<>();
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : (Iterable<Path>) s.filter(Files::isRegularFile)::iterator) {
                out.put(root.relativize(p).toString(), Files.readAllBytes(p));
            }
        }
        return out;
    }

    @ParameterizedTest
    @EnumSource(SynthVariant.class)
    void sameSeedGivesSameBytesWhateverTheThreadCount(SynthVariant v) throws IOException {
        SynthGenerator.generate(small(v, tmp.resolve("a"), 7, 1), STORAGE);
        SynthGenerator.generate(small(v, tmp.resolve("b"), 7, 3), STORAGE);
        SynthGenerator.generate(small(v, tmp.resolve("c"), 8, 2), STORAGE);
        Map<String, byte[]> a = files(tmp.resolve("a"));
        Map<String, byte[]> b = files(tmp.resolve("b"));
        assertEquals(a.keySet(), b.keySet());
        for (String k : a.keySet()) assertArrayEquals(a.get(k), b.get(k), k);
        // another seed: other pictures
        Set<String> imagesOfA = new HashSet<>();
        for (Map.Entry<String, byte[]> e : a.entrySet()) {
            if (e.getKey().startsWith(v.folder())) imagesOfA.add(Arrays.toString(e.getValue()));
        }
        int same = 0;
        for (Map.Entry<String, byte[]> e : files(tmp.resolve("c")).entrySet()) {
            if (e.getKey().startsWith(v.folder()) && imagesOfA.contains(Arrays.toString(e.getValue()))) same++;
        }
        assertEquals(0, same, "images shared between seed 7 and seed 8");
    }

    @ParameterizedTest
    @EnumSource(SynthVariant.class)
    void layoutReadsBackThroughItsCatalogWithTheExpectedCounts(SynthVariant v) throws IOException {
        Path out = tmp.resolve(v.configName());
        SynthGenerator.Result result = SynthGenerator.generate(small(v, out, 3, 2), STORAGE);
        JsonNode d = description(out);
        Manifest m = Catalogs.byName(v.catalog()).read(STORAGE, out.toString());
        Map<String, JsonNode> byName = new HashMap<>();
        Map<Split, Integer> expected = new HashMap<>();
        int junk = 0;
        for (JsonNode r : d.get("images")) {
            String image = r.get("image").asText();
            byName.put(image.substring(image.lastIndexOf('/') + 1), r);
            if (r.get("pid").asInt() == -1) junk++;
            else expected.merge(Split.valueOf(r.get("split").asText().toUpperCase()), 1, Integer::sum);
        }
        boolean holistic = v == SynthVariant.HOLISTIC;
        assertEquals(holistic ? JUNK : 0, junk);
        assertEquals(IDENTITIES / 2 * IMAGES, expected.get(Split.TRAIN));
        assertEquals(IDENTITIES / 2 * IMAGES + (holistic ? DISTRACTORS : 0),
                expected.get(Split.QUERY) + expected.get(Split.GALLERY));
        assertEquals(expected.get(Split.TRAIN), m.train().size());
        assertEquals(expected.get(Split.QUERY), m.query().size());
        assertEquals(expected.get(Split.GALLERY), m.gallery().size());
        assertEquals(result.images() - junk, m.samples().size());
        assertEquals(IDENTITIES / 2, m.trainIdentities());
        Set<Integer> trainPids = new HashSet<>();
        for (Sample s : m.train()) trainPids.add(s.pid());
        int distractors = 0;
        for (Sample s : m.samples()) {
            JsonNode r = byName.get(new File(s.uri().replace("file:", "")).getName());
            assertNotNull(r, s.uri());
            assertEquals(r.get("pid").asInt(), s.pid(), s.uri());
            assertEquals(r.get("camera").asInt() - 1, s.camid(), s.uri());
            assertEquals(r.get("split").asText(), s.split().lower(), s.uri());
            if (s.split() != Split.TRAIN) assertFalse(trainPids.contains(s.pid()), "test pid also trains: " + s.uri());
            if (s.pid() == 0) distractors++;
        }
        assertEquals(holistic ? DISTRACTORS : 0, distractors);
        // every query keeps a true match: another camera (and, when clothes change, other clothes)
        for (Sample q : m.query()) {
            boolean match = m.gallery().stream().anyMatch(g -> g.pid() == q.pid() && g.camid() != q.camid()
                    && (!v.clothesChanging() || g.clothes() != q.clothes()));
            assertTrue(match, "query without a match: " + q.uri());
        }
        assertTrue(Files.isRegularFile(out.resolve(SynthGenerator.SHEET)));
    }

    @ParameterizedTest
    @EnumSource(SynthVariant.class)
    void clothesIdsFollowTheVariant(SynthVariant v) throws IOException {
        Path out = tmp.resolve(v.configName());
        SynthGenerator.generate(small(v, out, 5, 2), STORAGE);
        Manifest m = Catalogs.byName(v.catalog()).read(STORAGE, out.toString());
        JsonNode d = description(out);
        Map<Integer, Integer> outfitsOwned = new HashMap<>();
        for (JsonNode id : d.get("identities")) outfitsOwned.put(id.get("pid").asInt(), id.get("outfits").size());
        Map<Integer, Set<Integer>> clothesOfPid = new HashMap<>();
        Map<String, Set<Integer>> clothesOfPidCamera = new HashMap<>();
        for (Sample s : m.samples()) {
            if (!v.clothesChanging()) {
                assertEquals(-1, s.clothes(), s.uri());
                continue;
            }
            clothesOfPid.computeIfAbsent(s.pid(), k -> new HashSet<>()).add(s.clothes());
            clothesOfPidCamera.computeIfAbsent(s.pid() + "/" + s.camid(), k -> new HashSet<>()).add(s.clothes());
        }
        if (!v.clothesChanging()) {
            outfitsOwned.values().forEach(n -> assertEquals(1, n));
            return;
        }
        for (Map.Entry<Integer, Set<Integer>> e : clothesOfPid.entrySet()) {
            int n = e.getValue().size();
            assertTrue(n >= 2 && n <= 4, "pid " + e.getKey() + " wears " + n + " outfits");
            assertEquals(outfitsOwned.get(e.getKey()), n, "pid " + e.getKey());
        }
        // generator version 3: outfits cross cameras, so some person is seen in two outfits by one camera
        assertTrue(clothesOfPidCamera.values().stream().anyMatch(c -> c.size() >= 2), "outfits never cross cameras");
        // clothes classes never shared between people
        Map<Integer, Integer> owner = new HashMap<>();
        for (Sample s : m.samples()) assertEquals(s.pid(), owner.computeIfAbsent(s.clothes(), k -> s.pid()), s.uri());
        for (JsonNode r : d.get("images")) {
            String name = r.get("image").asText().substring(r.get("image").asText().lastIndexOf('/') + 1);
            assertEquals(r.get("outfit").asInt() + 1, Integer.parseInt(name.split("_")[1]), name);
        }
    }

    @Test
    void occlusionIsWherePromised() throws IOException {
        Path out = tmp.resolve("occ");
        SynthGenerator.generate(small(SynthVariant.OCCLUDED, out, 11, 2), STORAGE);
        JsonNode d = description(out);
        Map<String, int[]> occluded = new HashMap<>(); // split -> {occluded, all}
        for (JsonNode r : d.get("images")) {
            String split = r.get("split").asText();
            double hidden = r.get("occluded").asDouble();
            boolean isOccluded = !r.get("occluder").isNull();
            occluded.computeIfAbsent(split, k -> new int[2])[1]++;
            if (isOccluded) occluded.get(split)[0]++;
            if (split.equals("query")) assertTrue(isOccluded, "unoccluded query " + r.get("image"));
            if (isOccluded) {
                assertTrue(hidden >= Renderer.OCCLUSION_MIN && hidden <= Renderer.OCCLUSION_MAX,
                        r.get("image") + " hides " + hidden);
                double least = 1;
                for (JsonNode vis : r.get("visibility")) if (!vis.isNull()) least = Math.min(least, vis.asDouble());
                assertTrue(least < 0.9, "an occluder that hides no part: " + r.get("image"));
                assertSomethingVisible(out, r);
            } else {
                assertEquals(0.0, hidden, r.get("image").asText());
            }
        }
        for (String split : List.of("train", "gallery")) {
            int[] n = occluded.get(split);
            assertEquals(Math.round(OCCLUDED_FRACTION * n[1]), n[0], split + ": occluded images");
        }
        // the holistic variant has none
        Path hol = tmp.resolve("hol");
        SynthGenerator.generate(small(SynthVariant.HOLISTIC, hol, 11, 2), STORAGE);
        for (JsonNode r : description(hol).get("images")) assertTrue(r.get("occluder").isNull(), r.get("image").asText());
    }

    /** An occluded person keeps visible pixels in its foreground mask. */
    private static void assertSomethingVisible(Path out, JsonNode r) throws IOException {
        BufferedImage fg = ImageIO.read(out.resolve(r.get("foreground").asText()).toFile());
        int visible = 0;
        for (int y = 0; y < fg.getHeight(); y++) for (int x = 0; x < fg.getWidth(); x++) if ((fg.getRGB(x, y) & 0xff) != 0) visible++;
        assertTrue(visible > 0, "occluded person entirely hidden: " + r.get("image"));
    }

    @Test
    void masksBesideTheImagesMatchThemAndEachOther() throws IOException {
        Path out = tmp.resolve("masks");
        SynthGenerator.generate(small(SynthVariant.CLOTHES_CHANGING, out, 13, 2), STORAGE);
        int checked = 0;
        for (JsonNode r : description(out).get("images")) {
            BufferedImage img = ImageIO.read(out.resolve(r.get("image").asText()).toFile());
            BufferedImage fg = ImageIO.read(out.resolve(r.get("foreground").asText()).toFile());
            BufferedImage parts = ImageIO.read(out.resolve(r.get("parts").asText()).toFile());
            org.apache.hadoop.fs.Path[] viaUri = SynthGenerator.masksOf(out.resolve(r.get("image").asText()).toString());
            assertEquals(out.resolve(r.get("foreground").asText()).toUri().getPath(), viaUri[0].toUri().getPath());
            assertEquals(out.resolve(r.get("parts").asText()).toUri().getPath(), viaUri[1].toUri().getPath());
            assertEquals(img.getWidth(), fg.getWidth());
            assertEquals(img.getHeight(), parts.getHeight());
            int[] area = new int[Parts.COUNT];
            double[] ySum = new double[Parts.COUNT];
            for (int y = 0; y < img.getHeight(); y++) {
                for (int x = 0; x < img.getWidth(); x++) {
                    int label = parts.getRaster().getSample(x, y, 0);
                    int f = fg.getRaster().getSample(x, y, 0);
                    assertTrue(label < Parts.COUNT, "label " + label);
                    assertEquals(label == 0 ? 0 : 255, f, "fg and parts disagree at " + x + "," + y + " of " + r.get("image"));
                    area[label]++;
                    ySum[label] += y;
                }
            }
            // parts stack from head to shoes, wherever all are in view
            boolean allVisible = true;
            for (int p = 1; p < Parts.COUNT; p++) allVisible &= area[p] >= 3;
            if (allVisible) {
                double head = ySum[Parts.HEAD] / area[Parts.HEAD];
                double torso = ySum[Parts.TORSO] / area[Parts.TORSO];
                double legs = ySum[Parts.LEGS] / area[Parts.LEGS];
                double shoes = ySum[Parts.SHOES] / area[Parts.SHOES];
                assertTrue(head < torso && torso < legs && legs < shoes, r.get("image") + ": " + head + " " + torso + " " + legs + " " + shoes);
                checked++;
            }
        }
        assertTrue(checked > IDENTITIES * IMAGES / 2, "only " + checked + " images with every part in view");
    }

    @Test
    void refusesToMixWithAnExistingDatasetUnlessOverwriting() throws IOException {
        Path out = tmp.resolve("twice");
        SynthGenerator.generate(small(SynthVariant.HOLISTIC, out, 1, 2), STORAGE);
        IOException e = assertThrows(IOException.class, () -> SynthGenerator.generate(small(SynthVariant.OCCLUDED, out, 1, 2), STORAGE));
        assertTrue(e.getMessage().contains("reid.synth.overwrite"), e.getMessage());
        SynthConfig again = small(SynthVariant.OCCLUDED, out, 1, 2);
        again = new SynthConfig(again.variant(), again.output(), again.identities(), again.cameras(), again.imagesPerIdentity(),
                again.height(), again.width(), again.seed(), again.threads(), again.queriesPerIdentity(), again.distractors(),
                again.junk(), again.occludedFraction(), again.identitiesPerScheme(), true);
        SynthGenerator.generate(again, STORAGE);
        assertFalse(Files.exists(out.resolve(SynthVariant.HOLISTIC.folder())), "old layout left behind");
        assertTrue(Files.isDirectory(out.resolve(SynthVariant.OCCLUDED.folder())));
        List<String> leftovers = new ArrayList<>();
        try (Stream<Path> s = Files.walk(out)) {
            s.filter(p -> p.getFileName().toString().endsWith(".crc")).forEach(p -> leftovers.add(p.toString()));
        }
        assertEquals(List.of(), leftovers, "checksum files beside the images");
    }
}
