package org.reidspark.jobs.retrain;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.Config;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.reidspark.artifact.RunDirectory;
import org.reidspark.artifact.Storage;
import org.reidspark.config.ConfigError;
import org.reidspark.data.Manifest;
import org.reidspark.data.Split;
import org.reidspark.data.synth.SynthDatasets;
import org.reidspark.eval.EvalConfig;
import org.reidspark.jobs.Job;
import org.reidspark.jobs.JobContext;
import org.reidspark.jobs.JobOption;
import org.reidspark.jobs.Main;
import org.reidspark.jobs.SparkSessions;
import org.reidspark.jobs.TrainJob;
import org.reidspark.jobs.UsageError;
import org.reidspark.jobs.shard.ShardJob;
import org.reidspark.jobs.shard.ShardRows;
import org.reidspark.jobs.shard.ShardSet;
import org.reidspark.jobs.train.DistributedConfig;
import org.reidspark.method.Methods;
import org.reidspark.registry.DataIndex;
import org.reidspark.registry.GateRule;
import org.reidspark.registry.Lease;
import org.reidspark.registry.Registry;
import org.reidspark.run.WarmStart;
import org.reidspark.train.TrainConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import static org.apache.spark.sql.functions.col;

/**
 * {@code retrain}: one run of the scheduled re-training pipeline over a registry ({@link Registry}); idempotent, safe
 * to start on a schedule.
 * <ol>
 *   <li><b>New data.</b> The dataset ({@code reid.data}) is read through its catalog and indexed by content
 *       ({@link DataIndex}: file hashes and labels, hashes reused for unchanged files). The same content as the latest
 *       data version, whose work is complete: one line, exit 0, nothing written. Otherwise the registry's lease is
 *       taken (a run that finds it held exits {@value #BUSY}) and a new data version recorded with what was added and
 *       removed.</li>
 *   <li><b>Candidate.</b> The train job trains version {@code v<n>} on data version {@code d<n>} into
 *       {@code versions/}, warm-started from the champion ({@code reid.retrain.warm-start}); a run that stopped resumes
 *       from its checkpoint (its fingerprint allowing).</li>
 *   <li><b>Gate.</b> The candidate and the champion are evaluated by the evaluate job on the pinned holdout with the
 *       same protocol; {@link GateRule} decides, and the record ({@link Registry.VersionRecord}) keeps both figures and
 *       the reason. A rejected candidate exits {@value #REJECTED}; the champion and its embeddings stay.</li>
 *   <li><b>Embeddings follow the model.</b> A promoted candidate embeds the collection ({@code reid.retrain.collection},
 *       the extract job); only then is the champion alias (model and embeddings) replaced, in one step.</li>
 * </ol>
 * Every step is resumable: a run that stopped anywhere leaves the champion as it was, and the next run continues
 * where it stopped. Exit codes: 0 promoted or nothing to do, 1 failed, 2 a bad config, {@value #REJECTED} candidate
 * rejected, {@value #BUSY} another run holds the lease. Every run's status goes to {@code reid.retrain.status-file}
 * ({@link RunStatus}).
 */
public final class RetrainJob implements Job {
    private static final Logger LOG = LoggerFactory.getLogger(RetrainJob.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Exit code: the candidate did not pass the gate. */
    public static final int REJECTED = 3;
    /** Exit code: another process holds the registry's lease; this run changed nothing. */
    public static final int BUSY = 4;

    @Override
    public String name() {
        return "retrain";
    }

    @Override
    public String summary() {
        return "the scheduled pipeline: new data -> candidate -> gate on the pinned holdout -> registry, champion, embeddings";
    }

    @Override
    public List<JobOption> options() {
        return List.of(
                JobOption.config("--registry", "PATH", "reid.retrain.registry", "the registry prefix (local path or s3a://...)"),
                JobOption.config("--holdout", "PATH", "reid.retrain.holdout", "the pinned holdout: a published shard set"),
                JobOption.config("--collection", "PREFIX", "reid.retrain.collection", "images re-embedded by every new champion"),
                JobOption.config("--dataset", "NAME", "reid.data.dataset", "dataset layout (catalog name)"),
                JobOption.config("--root", "PATH", "reid.data.root", "dataset root (local path or URI)"),
                JobOption.config("--warm-start", "FROM", "reid.retrain.warm-start", "champion | scratch"),
                JobOption.config("--epochs", "N", "reid.train.epochs", "epochs to train a candidate"),
                JobOption.config("--workers", "N", "reid.distributed.workers", "identity shards trained in parallel"),
                JobOption.config("--status-file", "PATH", "reid.retrain.status-file", "where this run writes its status (JSON)"));
    }

    @Override
    public int run(JobContext ctx) throws Exception {
        Config config = ctx.config();
        RetrainConfig settings = RetrainConfig.from(config);
        settings.requireHoldout();
        // what the train and evaluate steps would refuse, refused before any work
        if (!config.getString(WarmStart.KEY).isBlank()) {
            throw ConfigError.badValue(WarmStart.KEY, config.getString(WarmStart.KEY),
                    "\"\": the retrain job sets it itself (reid.retrain.warm-start = champion | scratch)");
        }
        Methods.of(config).trainingInputs();
        TrainConfig.from(config);
        DistributedConfig.from(config);
        EvalConfig.from(config);
        Storage storage = ctx.storage();
        Registry registry = Registry.at(storage, settings.registry());
        String runId = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC).format(Instant.now())
                + "-" + UUID.randomUUID().toString().substring(0, 6);
        RunStatus status = new RunStatus(registry, settings.statusFile(), name(), runId);
        try {
            return pipeline(ctx, settings, registry, status);
        } catch (Exception e) {
            int code = e instanceof ConfigError || e instanceof UsageError ? 2 : 1;
            String message = Main.describe(e);
            int cut = message.indexOf('\n');
            status.finish("failed", code, cut < 0 ? message : message.substring(0, cut));
            throw e;
        }
    }

    private int pipeline(JobContext ctx, RetrainConfig settings, Registry registry, RunStatus status) throws Exception {
        Storage storage = ctx.storage();
        status.stage("detect");
        ShardSet holdout = ShardSet.open(storage, settings.holdout());
        Optional<Map<String, Object>> pinned = registry.pipeline();
        if (pinned.isPresent()) checkPinned(pinned.get(), holdout);
        Manifest manifest = ShardJob.read(ctx, SynthDatasets.resolve(ctx.config(), storage));
        Optional<Registry.DataVersion> latest = registry.latestData();
        DataIndex previous = latest.isPresent() ? registry.index(latest.get()) : null;
        DataIndex.Built built = DataIndex.build(storage, manifest, previous, settings.hashThreads());
        DataIndex index = built.index();
        status.put("images", index.counts()).put("hashed", built.hashed());
        if (latest.isPresent() && latest.get().identity().equals(index.identity())) {
            Optional<String> pending = pending(registry, latest.get());
            if (pending.isEmpty()) {
                String line = nothingToDo(registry, latest.get(), manifest.root());
                ctx.out().println(line);
                status.put("dataVersion", latest.get().name()).finish("nothing-to-do", 0, line);
                return 0;
            }
            LOG.info("data version {} is unchanged and has work left: {}", latest.get().name(), pending.get());
        }

        Lease lease;
        try {
            lease = Lease.acquire(storage, registry.lease(), "retrain run " + status.runId(), settings.leaseTtl(),
                    settings.leaseSettle());
        } catch (Lease.HeldException e) {
            String line = "retrain: " + e.getMessage();
            ctx.out().println(line);
            status.finish("busy", BUSY, line);
            return BUSY;
        }
        status.leased();
        SparkSessions.hold();
        try (lease) {
            return underLease(ctx, settings, registry, status, lease, holdout, manifest, index);
        } finally {
            SparkSessions.release();
        }
    }

    /** The pipeline's work once the lease is held: every step checks what an earlier run already did. */
    private int underLease(JobContext ctx, RetrainConfig settings, Registry registry, RunStatus status, Lease lease,
                           ShardSet holdout, Manifest manifest, DataIndex index) throws Exception {
        Storage storage = ctx.storage();
        for (Registry.Event e : registry.reconcile()) LOG.info("logged an event a stopped run left out: {}", e);
        checkPinned(registry.pin(pipelineRecord(holdout, settings)), holdout);

        // the data version: the latest one if the content is the same, else a new one (another run may have recorded
        // one since this run looked)
        Optional<Registry.DataVersion> latest = registry.latestData();
        Registry.DataVersion data;
        if (latest.isPresent() && latest.get().identity().equals(index.identity())) {
            data = latest.get();
        } else {
            checkNeverTrainedOn(ctx, holdout, index);
            lease.check();
            data = registry.recordData(index, manifest, latest.orElse(null),
                    latest.isPresent() ? registry.index(latest.get()) : null);
            registry.logData(data);
            ctx.out().println("retrain: new data version " + data.name() + ": " + Registry.describe(data));
            if (latest.isPresent()) supersede(registry, latest.get(), data, status);
        }
        String version = Registry.versionFor(data);
        status.put("dataVersion", data.name()).put("candidate", version);
        Optional<Registry.Champion> champion = registry.champion();
        status.put("championBefore", champion.map(Registry.Champion::version).orElse(null));

        Optional<Registry.VersionRecord> decided = registry.version(version);
        if (decided.isEmpty()) decided = Optional.of(decide(ctx, settings, registry, status, lease, holdout, data, version, champion));
        Registry.VersionRecord record = decided.get();
        if (!record.decision().promoted()) {
            String line = "retrain: candidate " + version + " " + record.decision().reason() + "; the champion stays "
                    + champion.map(Registry.Champion::version).orElse("(none)");
            ctx.out().println(line);
            status.put("decision", record.decision()).finish("rejected", REJECTED, line);
            return REJECTED;
        }
        Registry.Champion now = champion.orElse(null);
        if (!activatedByPipeline(registry, version)) {
            status.stage("extract");
            now = Pipeline.activate(ctx, registry, settings.collection(), record, "pipeline", "pipeline run " + status.runId(), lease);
        }
        String line = "retrain: " + version + " promoted (" + record.decision().reason() + "); champion " + now.version()
                + (now.embeddings() == null ? "" : " with embeddings " + now.embeddings());
        ctx.out().println(line);
        status.put("decision", record.decision()).put("championAfter", now.version()).finish("promoted", 0, line);
        return 0;
    }

    /** Trains (or resumes, or finds) the candidate, evaluates it and the champion on the holdout, records the decision. */
    private Registry.VersionRecord decide(JobContext ctx, RetrainConfig settings, Registry registry, RunStatus status, Lease lease,
                                          ShardSet holdout, Registry.DataVersion data, String version,
                                          Optional<Registry.Champion> champion) throws Exception {
        Storage storage = ctx.storage();
        Path model = registry.versionRun(version);
        String warm = registry.fixWarmStart(version, settings.warmStart().equals("champion") && champion.isPresent()
                ? champion.get().version() : "");
        status.stage("train");
        if (!RunDirectory.isPublished(storage, model)) {
            lease.check();
            Map<String, Object> train = new LinkedHashMap<>();
            train.put("reid.run.output", registry.resolve(Registry.VERSIONS).toString());
            train.put("reid.run.name", version);
            train.put("reid.run.overwrite", false);
            train.put("reid.shard.output", registry.shards(data).toString());
            train.put(WarmStart.KEY, warm.isEmpty() ? "" : registry.versionRun(warm).toString());
            Pipeline.run(ctx, new TrainJob(), Pipeline.with(ctx.config(), train));
        }
        JsonNode run = JSON.readTree(storage.readString(new Path(model, "run.json")));
        String trainedOn = run.path("data").path("manifestSha256").asText();
        if (!trainedOn.equals(data.manifestSha256())) {
            throw new IOException("the dataset changed while candidate " + version + " was trained (its manifest "
                    + trainedOn + " is not data version " + data.name() + "'s " + data.manifestSha256() + "); the next run"
                    + " records the data as a new version and trains on it");
        }
        lease.check();
        status.stage("evaluate-candidate");
        Path gate = registry.gate(version);
        Registry.Metrics candidate = Pipeline.evaluate(ctx, model.toString(), holdout.location().toString(), gate, "candidate");
        Registry.Metrics championMetrics = null;
        if (champion.isPresent()) {
            status.stage("evaluate-champion");
            championMetrics = Pipeline.evaluate(ctx, champion.get().model(), holdout.location().toString(), gate,
                    "champion-" + champion.get().version());
        }
        GateRule.Decision d = settings.gate().decide(candidate.scores(), championMetrics == null ? null : championMetrics.scores());
        lease.check();
        String runId = run.path("runName").asText() + "@" + run.path("started").asText();
        Registry.VersionRecord record = new Registry.VersionRecord(version, Instant.now().toString(), data.name(),
                model.toString(), runId, run.path("method").asText(), new Path(model, "config.conf").toString(),
                run.path("provenance").path("gitRevision").asText("unknown"), warm.isEmpty() ? "scratch" : warm,
                holdout.location().toString(), candidate,
                champion.map(Registry.Champion::version).orElse(null), championMetrics,
                new Registry.Decision(d.promote() ? "promoted" : "rejected", d.reason(), settings.gate().toMap(),
                        "pipeline run " + status.runId(), Instant.now().toString()));
        registry.record(record);
        registry.logDecision(record);
        return record;
    }

    /** Records that the undecided candidate of {@code old} will never be decided: newer data arrived first. */
    private static void supersede(Registry registry, Registry.DataVersion old, Registry.DataVersion newer, RunStatus status)
            throws IOException {
        String v = Registry.versionFor(old);
        if (registry.version(v).isPresent()) return;
        String now = Instant.now().toString();
        Registry.VersionRecord r = new Registry.VersionRecord(v, now, old.name(), registry.versionRun(v).toString(), null, null,
                null, null, null, null, null, null, null, new Registry.Decision("superseded", "data version " + newer.name()
                + " arrived before " + v + " was decided; " + Registry.versionFor(newer) + " is trained instead", null,
                "pipeline run " + status.runId(), now));
        registry.record(r);
        registry.logDecision(r);
    }

    /** What is left to do for data version {@code d} (empty: nothing). */
    static Optional<String> pending(Registry registry, Registry.DataVersion d) throws IOException {
        String v = Registry.versionFor(d);
        Optional<Registry.VersionRecord> r = registry.version(v);
        if (r.isEmpty()) return Optional.of("candidate " + v + " is not decided yet");
        if (r.get().decision().promoted() && !activatedByPipeline(registry, v)) {
            return Optional.of(v + " was promoted but is not champion with its embeddings yet");
        }
        return Optional.empty();
    }

    /** Whether the pipeline made {@code v} champion (whatever people did since). */
    private static boolean activatedByPipeline(Registry registry, String v) throws IOException {
        Optional<Registry.Champion> c = registry.champion();
        if (c.isPresent() && c.get().version().equals(v) && c.get().how().equals("pipeline")) return true;
        return registry.history().stream().anyMatch(e -> e.kind().equals("champion") && e.version().equals(v)
                && "pipeline".equals(e.outcome()));
    }

    private static String nothingToDo(Registry registry, Registry.DataVersion d, String root) throws IOException {
        String v = Registry.versionFor(d);
        Registry.VersionRecord r = registry.version(v).orElseThrow();
        String champion = registry.champion().map(Registry.Champion::version).orElse("(none)");
        return "retrain: no new data in " + root + " (data version " + d.name() + ", recorded " + d.created()
                + ", unchanged); its candidate " + v + " was " + r.decision().outcome() + ", the champion is " + champion
                + "; nothing to do";
    }

    /** What the pipeline pins at its first run: the holdout, by location and content. */
    private static Map<String, Object> pipelineRecord(ShardSet holdout, RetrainConfig settings) {
        Map<String, Object> h = new LinkedHashMap<>();
        h.put("location", holdout.location().toString());
        h.put("manifestSha256", holdout.info().path("manifestSha256").asText());
        h.put("queryImages", holdout.info().path("splits").path("query").path("images").asInt());
        h.put("galleryImages", holdout.info().path("splits").path("gallery").path("images").asInt());
        h.put("height", holdout.height());
        h.put("width", holdout.width());
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("created", Instant.now().toString());
        p.put("holdout", h);
        p.put("collection", settings.collection());
        return p;
    }

    /** Refuses a holdout other than the one pinned when the pipeline was set up. */
    private static void checkPinned(Map<String, Object> pinned, ShardSet holdout) {
        Object h = pinned.get("holdout");
        if (!(h instanceof Map<?, ?> m)) throw new ConfigError("the registry's pipeline.json pins no holdout: " + pinned);
        String where = holdout.location().toString();
        String hash = holdout.info().path("manifestSha256").asText();
        if (!where.equals(m.get("location")) || !hash.equals(m.get("manifestSha256"))) {
            throw ConfigError.badValue("reid.retrain.holdout", where + " (manifest " + hash + ")", "the holdout pinned when this"
                    + " registry's pipeline was set up, " + m.get("location") + " (manifest " + m.get("manifestSha256") + "): every"
                    + " candidate and champion are compared on it; a new holdout needs a new registry");
        }
    }

    /** Refuses training data that holds an image of the holdout (by content). */
    private static void checkNeverTrainedOn(JobContext ctx, ShardSet holdout, DataIndex index) {
        SparkSession spark = SparkSessions.create(ctx);
        java.util.Set<String> train = index.hashes(Split.TRAIN);
        List<String> shared = new ArrayList<>();
        for (Row r : holdout.manifest(spark).where(col("status").equalTo(ShardRows.OK)).select("uri", "sha256").collectAsList()) {
            if (train.contains(r.getString(1))) shared.add(r.getString(0));
        }
        if (!shared.isEmpty()) {
            throw new ConfigError("the training data holds " + shared.size() + " images of the holdout " + holdout.location()
                    + " (same content), e.g. " + String.join(", ", shared.subList(0, Math.min(3, shared.size())))
                    + ": the holdout must never be trained on; remove them from the dataset (reid.data.root)");
        }
    }
}
