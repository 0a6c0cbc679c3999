package org.reidspark.data;

/**
 * One image of a person. Serializable, so that Spark jobs can ship samples to executors.
 *
 * <p>A training sample is either <em>labelled</em> (its person id and a training class {@code label >= 0}) or
 * <em>unlabelled</em> ({@link #unlabeled}): pid, label and clothes all {@link #UNLABELED}, for training that must not
 * know who is who (PAUL's unsupervised adaptation, https://arxiv.org/abs/1904.01308; {@code reid.data.train-labels
 * = none}). Nothing in between: a training sample with a pid but no label, or a label but no pid, is an error. Query
 * and gallery samples always keep their person ids (the evaluation matches by them) and never carry a label.
 *
 * @param uri     where the image is: an absolute local path or a Hadoop URI (file:, s3a://, hdfs://)
 * @param pid     the dataset's own person id (0 = distractor in a gallery; junk -1 never becomes a sample);
 *                {@link #UNLABELED} for an unlabelled training sample
 * @param label   training class 0..N-1 (pids relabelled in ascending pid order over the train split);
 *                -1 for query and gallery samples; {@link #UNLABELED} for an unlabelled training sample
 * @param camid   camera id, 0-based as the reference codes use it (Market's c1 is 0)
 * @param clothes clothes class, 0-based over the dataset (per person and outfit), or -1 where unknown (always for an
 *                unlabelled training sample: an outfit class is per person, so it would tell persons apart)
 * @param split   train, query or gallery
 */
public record Sample(String uri, int pid, int label, int camid, int clothes, Split split) implements java.io.Serializable {
    /** The pid, label and clothes of an unlabelled training sample: unknown. */
    public static final int UNLABELED = -1;

    public Sample {
        if (uri == null || uri.isEmpty()) throw new IllegalArgumentException("sample without uri");
        if (split == null) throw new IllegalArgumentException("sample without split: " + uri);
        if (camid < 0) throw new IllegalArgumentException("negative camera id " + camid + ": " + uri);
        if (split == Split.TRAIN) {
            boolean unlabeled = pid == UNLABELED && label == UNLABELED;
            if (unlabeled && clothes != UNLABELED) {
                throw new IllegalArgumentException("unlabelled train sample with clothes class " + clothes + ": " + uri);
            }
            if (!unlabeled && label < 0) {
                throw new IllegalArgumentException("train sample without label (pid " + pid + "; an unlabelled one has"
                        + " pid, label and clothes " + UNLABELED + "): " + uri);
            }
            if (!unlabeled && pid == UNLABELED) {
                throw new IllegalArgumentException("train sample with label " + label + " but no pid: " + uri);
            }
        } else {
            if (label != -1) throw new IllegalArgumentException(split.lower() + " sample with a label: " + uri);
            if (pid == UNLABELED) {
                throw new IllegalArgumentException(split.lower() + " sample without a person id (evaluation needs it): " + uri);
            }
        }
    }

    /** An unlabelled training image: no person id, training class or clothes class. */
    public static Sample unlabeled(String uri, int camid) {
        return new Sample(uri, UNLABELED, UNLABELED, camid, UNLABELED, Split.TRAIN);
    }

    /**
     * Whether this sample carries its person: true for every query and gallery sample and for labelled training
     * samples, false for {@link #unlabeled} ones.
     */
    public boolean isLabeled() {
        return !(split == Split.TRAIN && label == UNLABELED);
    }

    /**
     * This sample with its person forgotten: a training sample becomes {@link #unlabeled} (pid, label and clothes
     * dropped, uri and camera kept); query and gallery samples are returned as they are.
     */
    public Sample withoutLabel() {
        return split == Split.TRAIN ? unlabeled(uri, camid) : this;
    }
}
