package org.reidspark.data;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A sample's rules: a training image is labelled or explicitly unlabelled; query and gallery keep their persons. */
class SampleTest {
    @Test
    void anUnlabelledTrainingSampleHasNoPersonLabelOrClothes() {
        Sample u = Sample.unlabeled("file:/d/a.jpg", 3);
        assertEquals(new Sample("file:/d/a.jpg", Sample.UNLABELED, Sample.UNLABELED, 3, Sample.UNLABELED, Split.TRAIN), u);
        assertFalse(u.isLabeled());
        assertEquals(3, u.camid());
        assertTrue(new Sample("file:/d/b.jpg", 7, 0, 1, 2, Split.TRAIN).isLabeled());
        assertTrue(new Sample("file:/d/q.jpg", 7, -1, 1, -1, Split.QUERY).isLabeled(), "a query keeps its person");
        assertTrue(new Sample("file:/d/g.jpg", 0, -1, 1, -1, Split.GALLERY).isLabeled(), "a distractor is pid 0");
    }

    @Test
    void forgettingTheLabelDropsPidLabelAndClothesOfTrainingSamplesOnly() {
        Sample t = new Sample("file:/d/b.jpg", 7, 4, 1, 2, Split.TRAIN);
        assertEquals(Sample.unlabeled("file:/d/b.jpg", 1), t.withoutLabel());
        Sample q = new Sample("file:/d/q.jpg", 7, -1, 1, 5, Split.QUERY);
        assertSame(q, q.withoutLabel(), "evaluation needs the query's person");
    }

    @Test
    void halfLabelledOrMislabelledSamplesAreRefused() {
        IllegalArgumentException noLabel = assertThrows(IllegalArgumentException.class,
                () -> new Sample("file:/d/a.jpg", 7, -1, 0, -1, Split.TRAIN));
        assertTrue(noLabel.getMessage().contains("file:/d/a.jpg") && noLabel.getMessage().contains("without label"), noLabel.getMessage());
        IllegalArgumentException noPid = assertThrows(IllegalArgumentException.class,
                () -> new Sample("file:/d/a.jpg", Sample.UNLABELED, 3, 0, -1, Split.TRAIN));
        assertTrue(noPid.getMessage().contains("no pid"), noPid.getMessage());
        IllegalArgumentException clothes = assertThrows(IllegalArgumentException.class,
                () -> new Sample("file:/d/a.jpg", Sample.UNLABELED, Sample.UNLABELED, 0, 2, Split.TRAIN));
        assertTrue(clothes.getMessage().contains("clothes"), clothes.getMessage());
        for (Split s : new Split[] {Split.QUERY, Split.GALLERY}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> new Sample("file:/d/q.jpg", Sample.UNLABELED, -1, 0, -1, s));
            assertTrue(e.getMessage().contains(s.lower()) && e.getMessage().contains("person id"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> new Sample("file:/d/q.jpg", 4, 0, 0, -1, s), "a label");
        }
        assertThrows(IllegalArgumentException.class, () -> Sample.unlabeled("file:/d/a.jpg", -1), "negative camera");
        assertThrows(IllegalArgumentException.class, () -> Sample.unlabeled("", 0), "no uri");
    }
}
