package org.reidspark.data.augment;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.reidspark.data.TestImages;
import org.reidspark.data.image.RgbImage;

import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The augment job's stored surrogates: a function of (seed, key, copy), each with the transform that remakes it. */
class SurrogateCopiesTest {
    private static final SurrogateConfig PAUL = new SurrogateConfig("all", 0.7, 0.95, 10, 0.2, 0.2, 0.2, 0.1);
    private static final RgbImage IMG = TestImages.noise(32, 16, 16);

    /**
     * Splitting the draws from their application leaves every surrogate the loader made before bit for bit (hashes of
     * the output bytes recorded with the code before the split, on the same image and seeds).
     */
    @Test
    void surrogatesAreTheSameBytesAsBeforeTheDrawsWereRecorded() {
        int[] all = {778306466, 1716848544, -32926017, -2096905823, 2054805439, 921255973, -2109750412, -1646427498};
        int[] one = {-1866503756, -354848934, -1113616147, -123583765, -330132260, -2134449306, 318333552, 323985551};
        int[] contrastOnly = {-1090481570, 690761692, 1000767530, -251469348};
        Surrogate a = new Surrogate(PAUL);
        Surrogate o = new Surrogate(new SurrogateConfig("one", 0.7, 0.95, 10, 0.2, 0.2, 0.2, 0.1));
        Surrogate x = new Surrogate(new SurrogateConfig("all", 0.7, 0.95, 10, 0, 0.3, 0, 0));
        for (int seed = 0; seed < 8; seed++) {
            assertEquals(all[seed], Arrays.hashCode(a.apply(IMG, new SplittableRandom(seed)).rgb()), "all, seed " + seed);
            assertEquals(one[seed], Arrays.hashCode(o.apply(IMG, new SplittableRandom(seed)).rgb()), "one, seed " + seed);
            if (seed < 4) {
                assertEquals(contrastOnly[seed], Arrays.hashCode(x.apply(IMG, new SplittableRandom(seed)).rgb()), "contrast, seed " + seed);
            }
        }
    }

    @Test
    void aCopyIsAFunctionOfSeedKeyAndCopyIndex() {
        Surrogate s = new Surrogate(PAUL);
        SurrogateCopies.Copy c = SurrogateCopies.make(s, 7, 42, 1, IMG);
        SurrogateCopies.Copy again = SurrogateCopies.make(new Surrogate(PAUL), 7, 42, 1, IMG);
        assertArrayEquals(c.image().rgb(), again.image().rgb(), "same seed, key and copy: same bytes");
        assertEquals(c.transformJson(), again.transformJson());
        assertEquals(42, c.key());
        assertEquals(1, c.copy());
        assertEquals(IMG.height(), c.image().height());
        assertEquals(IMG.width(), c.image().width());
        assertNotEquals(IMG, c.image());
        Set<String> distinct = new HashSet<>();
        for (long[] v : new long[][] {{7, 42, 1}, {7, 42, 0}, {7, 42, 2}, {7, 43, 1}, {8, 42, 1}}) {
            RgbImage out = SurrogateCopies.make(s, v[0], v[1], (int) v[2], IMG).image();
            distinct.add(Arrays.toString(out.rgb()));
        }
        assertEquals(5, distinct.size(), "another copy, key or seed gives another surrogate");
        assertThrows(IllegalArgumentException.class, () -> SurrogateCopies.make(s, 7, 42, -1, IMG));
    }

    @Test
    void theRecordedTransformRemakesTheCopyAndNamesWhatWasDrawn() throws Exception {
        for (String mode : List.of("all", "one")) {
            Surrogate s = new Surrogate(new SurrogateConfig(mode, 0.7, 0.95, 10, 0.2, 0.2, 0.2, 0.1));
            Set<String> kinds = new HashSet<>();
            for (int copy = 0; copy < 12; copy++) {
                SurrogateCopies.Copy c = SurrogateCopies.make(s, 3, 5, copy, IMG);
                String json = c.transformJson();
                RgbImage again = Surrogate.apply(IMG, SurrogateCopies.transform(json));
                assertArrayEquals(c.image().rgb(), again.rgb(), mode + " copy " + copy + " from " + json);
                JsonNode j = new ObjectMapper().readTree(json);
                if (mode.equals("all")) {
                    assertTrue(j.has("jitter") && j.has("rotation") && j.has("crop"), json);
                } else {
                    assertEquals(1, j.size(), "one transform: " + json);
                }
                kinds.add(j.fieldNames().next());
                if (j.has("rotation")) assertTrue(Math.abs(j.get("rotation").asDouble()) <= 10, json);
                if (j.has("jitter")) {
                    JsonNode t = j.get("jitter");
                    for (String f : List.of("brightness", "contrast", "saturation")) {
                        double v = t.get(f).asDouble();
                        assertTrue(v >= 0.8 && v <= 1.2, f + " " + json);
                    }
                    assertTrue(Math.abs(t.get("hue").asDouble()) <= 0.1, json);
                    assertEquals(4, t.get("order").size(), json);
                }
                if (j.has("crop") && !j.get("crop").isNull()) {
                    JsonNode cr = j.get("crop");
                    double area = cr.get("height").asDouble() * cr.get("width").asDouble() / (32 * 16);
                    assertTrue(area > 0.6 && area <= 0.96, "crop area " + area + " in " + json);
                }
            }
            if (mode.equals("one")) assertEquals(Set.of("jitter", "rotation", "crop"), kinds, "one picks each kind in 12 copies");
        }
    }

    @Test
    void aSwitchedOffJitterStepIsRecordedAsOffAndNotReplayed() {
        Surrogate s = new Surrogate(new SurrogateConfig("all", 0.7, 0.95, 10, 0, 0.3, 0, 0));
        SurrogateCopies.Copy c = SurrogateCopies.make(s, 1, 2, 0, IMG);
        Surrogate.Transform t = SurrogateCopies.transform(c.transformJson());
        assertNull(t.jitter().brightness());
        assertNull(t.jitter().hue());
        assertFalse(c.transformJson().contains("\"brightness\":"), c.transformJson());
        assertArrayEquals(c.image().rgb(), Surrogate.apply(IMG, t).rgb());
        assertThrows(IllegalArgumentException.class, () -> SurrogateCopies.transform("{\"jitter\":{\"order\":[\"blur\"]}}"));
    }
}
