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
 * @param samples every sample, train first, then query, then gallery; order within a split is by uri
 */
public record Manifest(String dataset, String root, List<Sample> samples) {
    public Manifest {
        samples = List.copyOf(samples);
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

    /** Number of training classes (relabelled pids). */
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
        data.put("queryImages", query().size());
        data.put("galleryImages", gallery().size());
        return data;
    }
}
