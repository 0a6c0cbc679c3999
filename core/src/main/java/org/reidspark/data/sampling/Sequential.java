package org.reidspark.data.sampling;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** Batches of consecutive indices in order (evaluation and embedding): {@code 0..size-1}, {@code size..}, ... */
public final class Sequential {
    private Sequential() {
    }

    /** The indices {@code 0..n-1} in batches of {@code size}; the last one may be shorter. */
    public static List<int[]> batches(int n, int size) {
        if (size <= 0) throw new IllegalArgumentException("batch size must be positive: " + size);
        List<int[]> out = new ArrayList<>();
        for (int start = 0; start < n; start += size) {
            int[] b = new int[Math.min(size, n - start)];
            for (int i = 0; i < b.length; i++) b[i] = start + i;
            out.add(b);
        }
        return Collections.unmodifiableList(out);
    }
}
