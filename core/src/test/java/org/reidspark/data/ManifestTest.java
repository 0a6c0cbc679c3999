package org.reidspark.data;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A manifest with an unlabelled training split: no classes, no training clothes, kept apart from labelled data. */
class ManifestTest {
    private static Manifest labeled() {
        return new Manifest("t", "mem:", List.of(
                new Sample("mem:a", 10, 0, 0, 0, Split.TRAIN), new Sample("mem:b", 10, 0, 1, 1, Split.TRAIN),
                new Sample("mem:c", 12, 1, 0, 2, Split.TRAIN), new Sample("mem:q", 20, -1, 0, 5, Split.QUERY),
                new Sample("mem:g", 20, -1, 1, 6, Split.GALLERY)));
    }

    @Test
    void withoutTrainLabelsEveryTrainingSampleIsUnlabelledAndTheTestSplitsKeepTheirs() {
        Manifest m = labeled();
        assertTrue(m.trainLabeled());
        assertEquals(2, m.trainIdentities());
        Manifest u = m.withoutTrainLabels();
        assertFalse(u.trainLabeled());
        assertEquals(0, u.trainIdentities(), "no training classes");
        assertEquals(7, u.clothesClasses(), "only the test split's clothes classes remain (5 and 6)");
        assertEquals(m.samples().size(), u.samples().size());
        for (int i = 0; i < m.samples().size(); i++) {
            Sample a = m.samples().get(i);
            Sample b = u.samples().get(i);
            assertEquals(a.uri(), b.uri(), "same order, so the same keys");
            assertEquals(a.camid(), b.camid());
            if (a.split() == Split.TRAIN) assertEquals(Sample.unlabeled(a.uri(), a.camid()), b);
            else assertEquals(a, b);
        }
        assertNotEquals(m.hash(), u.hash(), "the hash tells labelled from unlabelled data");
        assertEquals(u.hash(), labeled().withoutTrainLabels().hash());
        assertEquals(Boolean.FALSE, u.summary().get("trainLabeled"));
        assertEquals(0, u.summary().get("trainIdentities"));
        // the same data with other person ids reads to the same unlabelled manifest: nothing of the ids is left
        Manifest other = new Manifest("t", "mem:", List.of(
                new Sample("mem:a", 3, 1, 0, 3, Split.TRAIN), new Sample("mem:b", 1, 0, 1, 0, Split.TRAIN),
                new Sample("mem:c", 3, 1, 0, 3, Split.TRAIN), new Sample("mem:q", 20, -1, 0, 5, Split.QUERY),
                new Sample("mem:g", 20, -1, 1, 6, Split.GALLERY)));
        assertEquals(u, other.withoutTrainLabels());
    }

    @Test
    void aTrainingSplitMixingLabelledAndUnlabelledImagesIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new Manifest("t", "mem:", List.of(
                new Sample("mem:a", 10, 0, 0, -1, Split.TRAIN), Sample.unlabeled("mem:b", 0))));
        assertTrue(e.getMessage().contains("mem:a") && e.getMessage().contains("mem:b") && e.getMessage().contains("mixes"),
                e.getMessage());
        assertTrue(new Manifest("t", "mem:", List.of(new Sample("mem:q", 1, -1, 0, -1, Split.QUERY))).trainLabeled(),
                "no training split: nothing unlabelled");
    }
}
