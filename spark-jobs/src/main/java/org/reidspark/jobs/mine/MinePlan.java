package org.reidspark.jobs.mine;

import com.fasterxml.jackson.databind.JsonNode;
import org.reidspark.jobs.extract.ExtractPlan;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a mining output's neighbour lists are made of, fixed when it is started and checked by every rerun that resumes
 * it: the embeddings (their source, the model run ids in them, the sorted keys' SHA-256 and the embeddings' SHA-256)
 * and how the search is cut (neighbours kept, block size, partitions). A rerun with a different plan would mix
 * neighbour lists of two sets, so it is refused. The walk itself is redone on every run from the lists.
 *
 * @param source           the embeddings as configured
 * @param modelRunIds      the distinct {@code model_run_id}s of the rows, sorted, comma separated
 * @param images           the number of keys (rows)
 * @param keysSha256       SHA-256 of the sorted keys, each followed by a newline
 * @param embeddingsSha256 SHA-256 of the embedding values, rows in key order, as big-endian float bits
 * @param dims             the embedding width
 * @param neighbours       neighbours kept per image
 * @param blockSize        anchors per block
 * @param partitions       the partition count
 */
public record MinePlan(String source, String modelRunIds, int images, String keysSha256, String embeddingsSha256, int dims,
                       int neighbours, int blockSize, int partitions) {
    public static MinePlan fromJson(JsonNode j) {
        return new MinePlan(j.path("source").asText(), j.path("modelRunIds").asText(), j.path("images").asInt(),
                j.path("keysSha256").asText(), j.path("embeddingsSha256").asText(), j.path("dims").asInt(),
                j.path("neighbours").asInt(), j.path("blockSize").asInt(), j.path("partitions").asInt());
    }

    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("source", source);
        m.put("modelRunIds", modelRunIds);
        m.put("images", images);
        m.put("keysSha256", keysSha256);
        m.put("embeddingsSha256", embeddingsSha256);
        m.put("dims", dims);
        m.put("neighbours", neighbours);
        m.put("blockSize", blockSize);
        m.put("partitions", partitions);
        return m;
    }

    /** How {@code other} differs from this plan, one phrase per difference; empty when a rerun may resume. */
    public List<String> differences(MinePlan other) {
        List<String> d = new ArrayList<>();
        if (images != other.images || !keysSha256.equals(other.keysSha256) || !embeddingsSha256.equals(other.embeddingsSha256)
                || dims != other.dims || !modelRunIds.equals(other.modelRunIds)) {
            d.add("embeddings of " + images + " images (" + dims + " dims, model " + modelRunIds + ") from " + source
                    + " (now " + other.images + " images, " + other.dims + " dims, model " + other.modelRunIds + " from "
                    + other.source + (images == other.images && keysSha256.equals(other.keysSha256) ? ", other values" : "") + ")");
        }
        if (neighbours != other.neighbours) d.add(neighbours + " neighbours per image (now " + other.neighbours + ")");
        if (blockSize != other.blockSize) d.add("reid.mine.block-size = " + blockSize + " (now " + other.blockSize + ")");
        if (partitions != other.partitions) d.add(partitions + " partitions (now " + other.partitions + ")");
        return d;
    }

    /** The first anchor of partition {@code k}: contiguous runs of the sorted keys, sizes differing by at most one. */
    public int start(int k) {
        return start(k, images, partitions);
    }

    /** The first anchor of partition {@code k} of {@code images} anchors in {@code partitions}: as {@link #start(int)}. */
    static int start(int k, int images, int partitions) {
        return (int) ((long) k * images / partitions);
    }

    /** SHA-256 of the sorted keys (as {@link ExtractPlan#sha256}). */
    public static String keysSha256(List<String> keys) {
        return ExtractPlan.sha256(keys);
    }
}
