package org.reidspark.data;

/**
 * One image of a person. Serializable, so that Spark jobs can ship samples to executors.
 *
 * @param uri     where the image is: an absolute local path or a Hadoop URI (file:, s3a://, hdfs://)
 * @param pid     the dataset's own person id (0 = distractor in a gallery; junk -1 never becomes a sample)
 * @param label   training class 0..N-1 (pids relabelled in ascending pid order over the train split);
 *                -1 for query and gallery samples
 * @param camid   camera id, 0-based as the reference codes use it (Market's c1 is 0)
 * @param clothes clothes class, 0-based over the dataset (per person and outfit), or -1 where unknown
 * @param split   train, query or gallery
 */
public record Sample(String uri, int pid, int label, int camid, int clothes, Split split) implements java.io.Serializable {
    public Sample {
        if (uri == null || uri.isEmpty()) throw new IllegalArgumentException("sample without uri");
        if (split == null) throw new IllegalArgumentException("sample without split: " + uri);
        if (split == Split.TRAIN && label < 0) throw new IllegalArgumentException("train sample without label: " + uri);
        if (split != Split.TRAIN && label != -1) throw new IllegalArgumentException(split.lower() + " sample with a label: " + uri);
        if (camid < 0) throw new IllegalArgumentException("negative camera id " + camid + ": " + uri);
    }
}
