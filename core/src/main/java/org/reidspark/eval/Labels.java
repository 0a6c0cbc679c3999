package org.reidspark.eval;

/**
 * Person ids, camera ids and (optionally) clothes ids of a query or gallery set, one entry per image, in the
 * order of the distance matrix's rows (query) or columns (gallery).
 *
 * @param source  where the labels came from (a file name, "query", ...), used in error messages
 * @param pids    person ids; any int (0 and -1 are ordinary ids here: distractors never match a query)
 * @param camids  camera ids
 * @param clothes clothes ids, or null when the set has none
 */
public record Labels(String source, int[] pids, int[] camids, int[] clothes) {
    public Labels {
        if (source == null) source = "labels";
        if (pids == null || camids == null) throw new IllegalArgumentException(source + ": pids and camera ids are required");
        if (pids.length != camids.length) {
            throw new IllegalArgumentException(source + ": " + pids.length + " pids but " + camids.length + " camera ids");
        }
        if (clothes != null && clothes.length != pids.length) {
            throw new IllegalArgumentException(source + ": " + pids.length + " pids but " + clothes.length + " clothes ids");
        }
    }

    public static Labels of(String source, int[] pids, int[] camids) {
        return new Labels(source, pids, camids, null);
    }

    public static Labels of(String source, int[] pids, int[] camids, int[] clothes) {
        return new Labels(source, pids, camids, clothes);
    }

    /**
     * The labels of samples, in their order: pids, camera ids, and clothes ids when every sample has one (>= 0).
     */
    public static Labels of(String source, java.util.List<org.reidspark.data.Sample> samples) {
        int[] pids = samples.stream().mapToInt(org.reidspark.data.Sample::pid).toArray();
        int[] cams = samples.stream().mapToInt(org.reidspark.data.Sample::camid).toArray();
        int[] clothes = samples.stream().mapToInt(org.reidspark.data.Sample::clothes).toArray();
        boolean known = java.util.Arrays.stream(clothes).allMatch(c -> c >= 0);
        return known ? of(source, pids, cams, clothes) : of(source, pids, cams);
    }

    /** Number of images. */
    public int size() {
        return pids.length;
    }

    public boolean hasClothes() {
        return clothes != null;
    }

    /** The first {@code n} entries (benchmarks and tests evaluate prefixes). */
    public Labels head(int n) {
        return new Labels(source, java.util.Arrays.copyOf(pids, n), java.util.Arrays.copyOf(camids, n),
                clothes == null ? null : java.util.Arrays.copyOf(clothes, n));
    }
}
