package org.reidspark.jobs.retrain;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigValueFactory;
import org.apache.hadoop.fs.Path;
import org.reidspark.artifact.RunDirectory;
import org.reidspark.artifact.Storage;
import org.reidspark.jobs.Job;
import org.reidspark.jobs.JobArgs;
import org.reidspark.jobs.JobContext;
import org.reidspark.jobs.evaluate.EvaluateJob;
import org.reidspark.jobs.extract.ExtractFiles;
import org.reidspark.jobs.extract.ExtractJob;
import org.reidspark.jobs.extract.ExtractPlan;
import org.reidspark.registry.Lease;
import org.reidspark.registry.Registry;

import java.io.IOException;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * The steps the {@code retrain} and {@code registry} jobs share: running another job in-process on a config of their
 * making (in the Spark session they hold), evaluating a version on the pinned holdout, and making a version champion
 * with its embeddings.
 */
final class Pipeline {
    private static final ObjectMapper JSON = new ObjectMapper();

    private Pipeline() {
    }

    /** {@code config} with {@code key = value} for each pair. */
    static Config with(Config config, Map<String, Object> values) {
        Config c = config;
        for (Map.Entry<String, Object> e : values.entrySet()) c = c.withValue(e.getKey(), ConfigValueFactory.fromAnyRef(e.getValue()));
        return c;
    }

    /** Runs {@code job} in this process with {@code config}, its summary lines going where the caller's go. */
    static void run(JobContext ctx, Job job, Config config) throws Exception {
        int code = job.run(new JobContext(job, config, JobArgs.parse(job, List.of()), ctx.out()));
        if (code != 0) throw new IOException("the " + job.name() + " step ended with exit code " + code);
    }

    /**
     * Version {@code model}'s figures on the holdout, from the evaluation published as {@code <dir>/<name>}: evaluated
     * now (the evaluate job on the holdout shard set), or read back when an earlier, stopped run published it.
     */
    static Registry.Metrics evaluate(JobContext ctx, String model, String holdout, Path dir, String name) throws Exception {
        Storage storage = ctx.storage();
        Path out = new Path(dir, name);
        if (!RunDirectory.isPublished(storage, out)) {
            run(ctx, new EvaluateJob(), with(ctx.config(), Map.of("reid.evaluate.run", model, "reid.evaluate.data", "shards",
                    "reid.evaluate.shards", holdout, "reid.evaluate.output", dir.toString(), "reid.evaluate.name", name,
                    "reid.run.overwrite", false)));
        }
        JsonNode m = JSON.readTree(storage.readString(new Path(out, EvaluateJob.METRICS)));
        return new Registry.Metrics(m.path("mAP").asDouble(), m.path("cmc").path(0).asDouble(), m.path("mINP").asDouble(),
                m.path("validQueries").asInt(), m.path("queries").asInt(), m.path("gallery").asInt(), out.toString());
    }

    /**
     * Makes {@code record}'s version champion: {@code collection} (empty: none) is embedded by its model into
     * {@code embeddings/<version>-<hash of the collection's listing>} (the extract job; an output already complete for
     * the same listing is reused, an incomplete one resumed), and only then is the champion alias replaced, in one
     * step, and the event logged.
     */
    static Registry.Champion activate(JobContext ctx, Registry registry, String collection, Registry.VersionRecord record,
                                      String how, String by, Lease lease) throws Exception {
        Storage storage = ctx.storage();
        String embeddings = null;
        if (!collection.isBlank()) {
            List<String> uris = ExtractJob.listImages(storage, collection);
            Path out = registry.embeddings(record.version() + "-" + ExtractPlan.sha256(uris).substring(0, 8));
            if (!RunDirectory.isPublished(storage, out)) {
                lease.check();
                run(ctx, new ExtractJob(), with(ctx.config(), Map.of("reid.extract.model", record.model(),
                        "reid.extract.input", collection, "reid.extract.manifest", "",
                        "reid.extract.output", out.toString(), "reid.run.overwrite", false)));
            }
            JsonNode info = JSON.readTree(storage.readString(new Path(out, ExtractFiles.SUMMARY)));
            if (!info.path("modelRunId").asText().equals(record.runId())) {
                throw new IOException("the embeddings " + out + " were made by model run " + info.path("modelRunId").asText()
                        + ", not by " + record.version() + "'s " + record.runId() + "; delete them and run again");
            }
            embeddings = out.toString();
        }
        lease.check();
        String previous = registry.champion().map(Registry.Champion::version).orElse(null);
        Registry.Champion c = new Registry.Champion(record.version(), record.model(), record.runId(), record.dataVersion(),
                embeddings, Instant.now().toString(), how, by, previous);
        registry.setChampion(c);
        registry.logChampion(c);
        return c;
    }
}
