package org.reidspark.jobs.generate;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a generated set is made of, fixed when the generate job starts it and checked by every rerun that resumes it:
 * the model (as configured and its run id), the input shard set (as configured, its data's manifest hash, image size,
 * training shards and images), the copies per image and the seed. A rerun with another plan would mix two generators'
 * or settings' images in one set, so it is refused.
 */
public record GeneratePlan(String model, String modelRun, String source, String manifestSha256, int height, int width,
                           int partitions, long images, int copies, long seed) {
    public static GeneratePlan fromJson(JsonNode j) {
        return new GeneratePlan(j.path("model").asText(), j.path("modelRun").asText(), j.path("source").asText(),
                j.path("manifestSha256").asText(), j.path("height").asInt(), j.path("width").asInt(), j.path("partitions").asInt(),
                j.path("images").asLong(), j.path("copies").asInt(), j.path("seed").asLong());
    }

    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("model", model);
        m.put("modelRun", modelRun);
        m.put("source", source);
        m.put("manifestSha256", manifestSha256);
        m.put("height", height);
        m.put("width", width);
        m.put("partitions", partitions);
        m.put("images", images);
        m.put("copies", copies);
        m.put("seed", seed);
        return m;
    }

    /** How {@code now} differs from this plan, one phrase per difference; empty when a rerun may resume. */
    public List<String> differences(GeneratePlan now) {
        List<String> d = new ArrayList<>();
        if (!modelRun.equals(now.modelRun)) d.add("the model " + model + " (run " + modelRun + "; now " + now.model + ", run " + now.modelRun + ")");
        if (!manifestSha256.equals(now.manifestSha256) || height != now.height || width != now.width
                || partitions != now.partitions || images != now.images) {
            d.add("the shard set " + source + " (" + images + " training images at " + height + "x" + width + " in " + partitions
                    + " shards, data " + manifestSha256 + "; now " + now.source + ": " + now.images + " at " + now.height + "x"
                    + now.width + " in " + now.partitions + " shards, data " + now.manifestSha256 + ")");
        }
        if (copies != now.copies) d.add(GenerateJobConfig.SECTION + ".copies = " + copies + " (now " + now.copies + ")");
        if (seed != now.seed) d.add("reid.run.seed = " + seed + " (now " + now.seed + ")");
        return d;
    }
}
