package org.reidspark.jobs.augment;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a surrogate set is made of, fixed when the augment job starts it and checked by every rerun that resumes it: the
 * input shard set (as configured, its data's manifest hash, its image size, its training shards and images), the copies
 * per image, the seed and the surrogate settings. A rerun with another plan would mix surrogates of two settings in one
 * set, so it is refused.
 *
 * @param source         the input shard set as configured
 * @param manifestSha256 its data's manifest hash ({@code shard.json})
 * @param height         its image height
 * @param width          its image width
 * @param partitions     its training shards: one partition (task, file) each
 * @param images         its training images
 * @param copies         surrogates per image
 * @param seed           the run seed the copies derive from
 * @param surrogate      the surrogate settings ({@code reid.augment.surrogate}) as text
 */
public record AugmentPlan(String source, String manifestSha256, int height, int width, int partitions, long images, int copies,
                          long seed, String surrogate) {
    public static AugmentPlan fromJson(JsonNode j) {
        return new AugmentPlan(j.path("source").asText(), j.path("manifestSha256").asText(), j.path("height").asInt(),
                j.path("width").asInt(), j.path("partitions").asInt(), j.path("images").asLong(), j.path("copies").asInt(),
                j.path("seed").asLong(), j.path("surrogate").asText());
    }

    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("source", source);
        m.put("manifestSha256", manifestSha256);
        m.put("height", height);
        m.put("width", width);
        m.put("partitions", partitions);
        m.put("images", images);
        m.put("copies", copies);
        m.put("seed", seed);
        m.put("surrogate", surrogate);
        return m;
    }

    /** How {@code now} differs from this plan, one phrase per difference; empty when a rerun may resume. */
    public List<String> differences(AugmentPlan now) {
        List<String> d = new ArrayList<>();
        if (!manifestSha256.equals(now.manifestSha256) || height != now.height || width != now.width
                || partitions != now.partitions || images != now.images) {
            d.add("the shard set " + source + " (" + images + " training images at " + height + "x" + width + " in " + partitions
                    + " shards, data " + manifestSha256 + "; now " + now.source + ": " + now.images + " at " + now.height + "x"
                    + now.width + " in " + now.partitions + " shards, data " + now.manifestSha256 + ")");
        }
        if (copies != now.copies) d.add(AugmentJobConfig.SECTION + ".copies = " + copies + " (now " + now.copies + ")");
        if (seed != now.seed) d.add("reid.run.seed = " + seed + " (now " + now.seed + ")");
        if (!surrogate.equals(now.surrogate)) d.add("reid.augment.surrogate " + surrogate + " (now " + now.surrogate + ")");
        return d;
    }
}
