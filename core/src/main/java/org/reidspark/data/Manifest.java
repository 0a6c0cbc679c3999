package org.reidspark.data;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * A dataset's samples with their splits, as a catalog read them (or as the shard job stored them in
 * {@code manifest.parquet}).
 *
 * @param dataset the catalog's name, e.g. {@code market1501}
 * @param root    the dataset root it was read from
 * @param samples every sample, train first, then query, then gallery; order within a split is by uri. The training
 *                split is either all labelled or all unlabelled ({@link Sample#unlabeled}, {@code reid.data.train-labels
 *                = none}); a mix is an error
 */
public record Manifest(String dataset, String root, List<Sample> samples) {
    public Manifest {
        samples = List.copyOf(samples);
        Sample labeled = null;
        Sample unlabeled = null;
        for (Sample s : samples) {
            if (s.split() != Split.TRAIN) continue;
            if (s.isLabeled()) labeled = labeled == null ? s : labeled;
            else unlabeled = unlabeled == null ? s : unlabeled;
        }
        if (labeled != null && unlabeled != null) {
            throw new IllegalArgumentException("dataset " + dataset + ": the training split mixes labelled images (e.g. "
                    + labeled.uri() + ", pid " + labeled.pid() + ") and unlabelled ones (e.g. " + unlabeled.uri()
                    + "); training reads either every image's person or none's");
        }
    }

    public List<Sample> split(Split split) {
        List<Sample> out = new ArrayList<>();
        for (Sample s : samples) if (s.split() == split) out.add(s);
        return Collections.unmodifiableList(out);
    }

    public List<Sample> train() {
        return split(Split.TRAIN);
    }

    public List<Sample> query() {
        return split(Split.QUERY);
    }

    public List<Sample> gallery() {
        return split(Split.GALLERY);
    }

    /**
     * Whether the training images carry their persons: false when the training split is unlabelled
     * ({@link Sample#unlabeled}), true otherwise (also when there is no training split).
     */
    public boolean trainLabeled() {
        for (Sample s : samples) if (s.split() == Split.TRAIN) return s.isLabeled();
        return true;
    }

    /**
     * This manifest with every training sample's person forgotten ({@link Sample#withoutLabel}: pid, label and
     * clothes dropped); query and gallery unchanged, order and so every sample's index kept.
     */
    public Manifest withoutTrainLabels() {
        List<Sample> out = new ArrayList<>(samples.size());
        for (Sample s : samples) out.add(s.withoutLabel());
        return new Manifest(dataset, root, out);
    }

    /** Number of training classes (relabelled pids); 0 when the training split is unlabelled. */
    public int trainIdentities() {
        int max = -1;
        for (Sample s : samples) if (s.split() == Split.TRAIN) max = Math.max(max, s.label());
        return max + 1;
    }

    /** Number of clothes classes over the dataset, 0 when the dataset has none. */
    public int clothesClasses() {
        int max = -1;
        for (Sample s : samples) max = Math.max(max, s.clothes());
        return max + 1;
    }

    /** SHA-256 over every sample's fields in order: identifies exactly which data a run saw. */
    public String hash() {
        try {
            java.security.MessageDigest md = java.security.MessageDigest.getInstance("SHA-256");
            for (Sample s : samples) {
                md.update((s.uri() + '\t' + s.pid() + '\t' + s.label() + '\t' + s.camid() + '\t' + s.clothes() + '\t'
                        + s.split() + '\n').getBytes(java.nio.charset.StandardCharsets.UTF_8));
            }
            return java.util.HexFormat.of().formatHex(md.digest());
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** What a run records about its data in {@code run.json}: dataset, root, hash and split sizes. */
    public java.util.Map<String, Object> summary() {
        java.util.Map<String, Object> data = new java.util.LinkedHashMap<>();
        data.put("dataset", dataset);
        data.put("root", root);
        data.put("manifestSha256", hash());
        data.put("trainImages", train().size());
        data.put("trainIdentities", trainIdentities());
        data.put("trainLabeled", trainLabeled());
        data.put("queryImages", query().size());
        data.put("galleryImages", gallery().size());
        return data;
    }
}
