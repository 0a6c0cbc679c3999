package org.reidspark.jobs.extract;

import com.fasterxml.jackson.databind.JsonNode;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What an extraction's output is made of, fixed when it is started and checked by every rerun that resumes it: the
 * model run, the input list (its size and a SHA-256 over the sorted uris) and how it is cut into partitions
 * (contiguous runs of the sorted list), and whether embeddings average in the flipped image. A rerun with a different
 * plan would mix embeddings of two models or two inputs in one output, so it is refused.
 *
 * @param modelRunId  the model's run id
 * @param source      the input as configured (prefix or manifest), for the record
 * @param images      the number of distinct input uris
 * @param inputSha256 SHA-256 of the uris in partition order (a prefix or manifest: sorted; a shard set: by split, shard
 *                    and key), each followed by a newline
 * @param partitions  the partition count
 * @param flip        {@code reid.embed.flip}
 */
public record ExtractPlan(String modelRunId, String source, int images, String inputSha256, int partitions, boolean flip) {
    /** The plan for the distinct {@code uris}, in partition order. */
    public static ExtractPlan of(String modelRunId, String source, List<String> uris, int partitions, boolean flip) {
        return new ExtractPlan(modelRunId, source, uris.size(), sha256(uris), partitions, flip);
    }

    public static ExtractPlan fromJson(JsonNode j) {
        return new ExtractPlan(j.path("modelRunId").asText(), j.path("source").asText(), j.path("images").asInt(),
                j.path("inputSha256").asText(), j.path("partitions").asInt(), j.path("flip").asBoolean());
    }

    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("modelRunId", modelRunId);
        m.put("source", source);
        m.put("images", images);
        m.put("inputSha256", inputSha256);
        m.put("partitions", partitions);
        m.put("flip", flip);
        return m;
    }

    /** How {@code other} differs from this plan, one phrase per difference; empty when a rerun may resume. */
    public List<String> differences(ExtractPlan other) {
        List<String> d = new ArrayList<>();
        if (!modelRunId.equals(other.modelRunId)) {
            d.add("model run " + modelRunId + " (now " + other.modelRunId + ")");
        }
        if (images != other.images || !inputSha256.equals(other.inputSha256)) {
            d.add("an input list of " + images + " images from " + source + " (now " + other.images + " images from "
                    + other.source + ", " + (images == other.images ? "other uris" : "a different count") + ")");
        }
        if (partitions != other.partitions) d.add(partitions + " partitions (now " + other.partitions + ")");
        if (flip != other.flip) d.add("reid.embed.flip = " + flip + " (now " + other.flip + ")");
        return d;
    }

    /**
     * The first index of partition {@code k} of {@code images} uris cut into {@code partitions}: a prefix's or a
     * manifest's partitions are contiguous runs of the sorted list, sizes differing by at most one.
     */
    public static int start(int k, int images, int partitions) {
        return (int) ((long) k * images / partitions);
    }

    public static String sha256(List<String> uris) {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
        for (String u : uris) {
            md.update(u.getBytes(StandardCharsets.UTF_8));
            md.update((byte) '\n');
        }
        return HexFormat.of().formatHex(md.digest());
    }
}
