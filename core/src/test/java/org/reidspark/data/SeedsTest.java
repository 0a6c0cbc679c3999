package org.reidspark.data;

import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

class SeedsTest {
    @Test
    void derivedSeedsAreStableAndDifferByPathOrderAndSeed() {
        assertEquals(Seeds.derive(7, 1, 2, 3), Seeds.derive(7, 1, 2, 3));
        assertNotEquals(Seeds.derive(7, 1, 2), Seeds.derive(7, 2, 1));
        assertNotEquals(Seeds.derive(7, 1), Seeds.derive(8, 1));
        assertNotEquals(Seeds.derive(7), Seeds.derive(7, 0));
        Set<Long> seen = new HashSet<>();
        for (int e = 0; e < 20; e++) for (int b = 0; b < 50; b++) for (int i = 0; i < 64; i++) seen.add(Seeds.derive(1, e, b, i));
        assertEquals(20 * 50 * 64, seen.size(), "no collisions over a run's (epoch, batch, position) grid");
    }
}
