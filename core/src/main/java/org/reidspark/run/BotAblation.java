package org.reidspark.run;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigValueFactory;
import org.apache.hadoop.fs.Path;
import org.reidspark.artifact.Storage;
import org.reidspark.config.Check;
import org.reidspark.config.ConfigError;
import org.reidspark.data.Manifest;
import org.reidspark.eval.RankingMetrics;
import org.reidspark.train.Checkpoints;
import org.reidspark.method.bot.BotMethod;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.ToDoubleFunction;

/**
 * BoT's ablation ("Bag of Tricks and a Strong Baseline for Deep Person Re-identification", Luo et al., CVPR-W 2019,
 * https://arxiv.org/abs/1903.07071, Table 1): the full recipe trained beside variants that each remove one trick,
 * on the same data with the same seeds, each through {@link LocalTraining} (the {@code train-local} path), so the
 * direction of each trick's effect can be compared with the paper's. The variants are config overrides:
 * <ul>
 *   <li>{@code full}: the configured recipe unchanged;</li>
 *   <li>{@code no-bnneck}: {@code reid.bot.bnneck = false} (the classifier, with a bias, reads the pooled feature;
 *       the test embedding is the pooled feature; see {@link org.reidspark.model.head.BNNeck});</li>
 *   <li>{@code no-label-smoothing}: {@code reid.bot.loss.label-smoothing = 0} (plain cross-entropy);</li>
 *   <li>{@code no-random-erasing}: {@code reid.augment.erasing-p = 0}.</li>
 * </ul>
 * With several seeds ({@code reid.run.seed}, +1, +2, ...: network initialization, sampling, augmentation; the
 * dataset stays the same) a variant's figures are means, with the sample standard deviation beside them.
 *
 * <p>Each finished (variant, seed) run leaves {@code variants/<variant>/seed-<seed>.json} (metrics, minutes, training
 * curve) and its checkpoint in {@code checkpoints/<variant>/seed-<seed>/} under the ablation's directory; a
 * restarted ablation reuses the finished runs and resumes an interrupted one from its checkpoint.
 */
public final class BotAblation {
    private static final Logger LOG = LoggerFactory.getLogger(BotAblation.class);
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /**
     * One arm of the ablation.
     *
     * @param name      its name on the command line and in the table
     * @param removes   the trick it leaves out, in words
     * @param overrides config keys and the values that leave it out
     */
    public record Variant(String name, String removes, Map<String, Object> overrides) {
        public Variant {
            overrides = Map.copyOf(overrides);
        }

        /** {@code config} with this variant's overrides. */
        public Config applyTo(Config config) {
            Config c = config;
            for (Map.Entry<String, Object> e : overrides.entrySet()) {
                if (!c.hasPath(e.getKey())) throw new IllegalStateException("the ablation overrides " + e.getKey() + ", which the config lacks");
                c = c.withValue(e.getKey(), ConfigValueFactory.fromAnyRef(e.getValue()));
            }
            return c;
        }
    }

    /** The full recipe and one variant per removed trick, in the order the table lists them. */
    public static final List<Variant> VARIANTS = List.of(
            new Variant("full", "-", Map.of()),
            new Variant("no-bnneck", "BNNeck", Map.of("reid.bot.bnneck", false)),
            new Variant("no-label-smoothing", "label smoothing", Map.of("reid.bot.loss.label-smoothing", 0.0)),
            new Variant("no-random-erasing", "random erasing", Map.of("reid.augment.erasing-p", 0.0)));

    private BotAblation() {
    }

    public static List<String> names() {
        return VARIANTS.stream().map(Variant::name).toList();
    }

    /**
     * The variants named in {@code spec}, comma-separated, in the table's order; {@code all} or blank = every one.
     *
     * @throws ConfigError for an unknown or repeated name (listing the known ones)
     */
    public static List<Variant> select(String spec) {
        if (spec == null || spec.isBlank() || spec.trim().equals("all")) return VARIANTS;
        List<String> wanted = new ArrayList<>();
        for (String s : spec.split(",")) {
            String name = s.trim();
            if (!names().contains(name)) throw Check.unknownName("ablation variant", name, names());
            if (wanted.contains(name)) throw new ConfigError("ablation variant \"" + name + "\" is listed twice");
            wanted.add(name);
        }
        return VARIANTS.stream().filter(v -> wanted.contains(v.name())).toList();
    }

    /** Fails unless the configured method is BoT: the variants remove BoT's tricks. */
    public static void checkMethod(Config config) {
        String method = config.getString("reid.method");
        if (!method.equals(BotMethod.NAME)) {
            throw ConfigError.badValue("reid.method", method, "bot (the ablation removes BoT's tricks)");
        }
    }

    /**
     * One trained and evaluated (variant, seed).
     *
     * @param minutes wall time of its training and evaluation
     * @param reused  true when read back from an earlier, interrupted ablation instead of trained here
     */
    public record Run(String variant, long seed, double rank1, double mAP, double mINP, int validQueries, double minutes,
                      boolean reused) {
    }

    /** A variant's runs over the seeds, summarized. */
    public record Row(Variant variant, List<Run> runs) {
        public Row {
            runs = List.copyOf(runs);
            if (runs.isEmpty()) throw new IllegalArgumentException("variant " + variant.name() + " has no runs");
        }

        public double rank1() {
            return mean(Run::rank1);
        }

        public double mAP() {
            return mean(Run::mAP);
        }

        public double mINP() {
            return mean(Run::mINP);
        }

        public double minutes() {
            return mean(Run::minutes);
        }

        public double mean(ToDoubleFunction<Run> f) {
            return runs.stream().mapToDouble(f).average().orElseThrow();
        }

        /** Sample standard deviation over the seeds (0 for one seed). */
        public double sd(ToDoubleFunction<Run> f) {
            if (runs.size() < 2) return 0;
            double m = mean(f);
            double ss = runs.stream().mapToDouble(r -> (f.applyAsDouble(r) - m) * (f.applyAsDouble(r) - m)).sum();
            return Math.sqrt(ss / (runs.size() - 1));
        }

        /** The row as written to {@code ablation.json}. */
        public Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("variant", variant.name());
            m.put("removes", variant.removes());
            m.put("overrides", new java.util.TreeMap<>(variant.overrides()));
            m.put("rank1", rank1());
            m.put("mAP", mAP());
            m.put("mINP", mINP());
            m.put("minutes", minutes());
            m.put("rank1Sd", sd(Run::rank1));
            m.put("mAPSd", sd(Run::mAP));
            m.put("mINPSd", sd(Run::mINP));
            m.put("runs", runs);
            return m;
        }
    }

    /** The seeds of {@code repeats} runs: the run seed and the ones after it. */
    public static List<Long> seeds(long runSeed, int repeats) {
        if (repeats < 1) throw new IllegalArgumentException("repeats must be at least 1, got " + repeats);
        List<Long> s = new ArrayList<>();
        for (int i = 0; i < repeats; i++) s.add(runSeed + i);
        return s;
    }

    /**
     * Trains and evaluates every variant with every seed, one after the other, in this JVM.
     *
     * @param dir      the ablation's (unpublished) directory: per-run results and checkpoints go under it, and
     *                 finished runs found there are reused
     * @param progress told of each run as it finishes
     * @return one row per variant, in the order given
     */
    public static List<Row> run(Config config, Manifest manifest, Storage storage, List<Variant> variants,
                                List<Long> seeds, Path dir, Consumer<Run> progress) throws IOException {
        checkMethod(config);
        List<Row> rows = new ArrayList<>();
        for (Variant v : variants) {
            List<Run> runs = new ArrayList<>();
            for (long seed : seeds) {
                Path result = new Path(dir, "variants/" + v.name() + "/seed-" + seed + ".json");
                Run run = storage.exists(result) ? reuse(storage, result, v, seed) : train(config, manifest, storage, v, seed, dir, result);
                runs.add(run);
                progress.accept(run);
            }
            rows.add(new Row(v, runs));
        }
        return rows;
    }

    private static Run train(Config config, Manifest manifest, Storage storage, Variant v, long seed, Path dir, Path result)
            throws IOException {
        LOG.info("ablation: training variant {} with seed {} (overrides {})", v.name(), seed, v.overrides());
        Config c = v.applyTo(config).withValue("reid.run.seed", ConfigValueFactory.fromAnyRef(seed));
        long start = System.nanoTime();
        LocalTraining.Result r = LocalTraining.run(c, manifest, storage,
                new Checkpoints(storage, new Path(dir, "checkpoints/" + v.name() + "/seed-" + seed)));
        double minutes = (System.nanoTime() - start) / 60e9;
        RankingMetrics m = r.metrics();
        Run run = new Run(v.name(), seed, m.rank(1), m.mAP(), m.mINP(), m.validQueries(), minutes, false);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("variant", v.name());
        out.put("seed", seed);
        out.put("overrides", new java.util.TreeMap<>(v.overrides()));
        out.put("minutes", minutes);
        out.put("metrics", m.toMap());
        out.put("curve", r.curve());
        storage.writeString(result, JSON.writeValueAsString(out));
        return run;
    }

    private static Run reuse(Storage storage, Path result, Variant v, long seed) throws IOException {
        JsonNode n = JSON.readTree(storage.readString(result));
        JsonNode m = n.path("metrics");
        if (!n.path("variant").asText().equals(v.name()) || n.path("seed").asLong() != seed || !m.path("cmc").isArray()) {
            throw new IOException("ablation result " + result + " is not the result of " + v.name() + " with seed " + seed
                    + "; remove it to train that run again");
        }
        LOG.info("ablation: reusing {} with seed {} from {}", v.name(), seed, result);
        return new Run(v.name(), seed, m.path("cmc").get(0).asDouble(), m.path("mAP").asDouble(), m.path("mINP").asDouble(),
                m.path("validQueries").asInt(), n.path("minutes").asDouble(), true);
    }

    /**
     * The results as a markdown table: one line per variant (Rank-1, mAP, mINP, mAP relative to {@code full} when it
     * was run, minutes per run), then the colour-histogram baseline measured on the same split.
     */
    public static String table(List<Row> rows, RankingMetrics baseline) {
        Row full = rows.stream().filter(r -> r.variant().name().equals("full")).findFirst().orElse(null);
        StringBuilder sb = new StringBuilder();
        sb.append("| variant | removes | Rank-1 | mAP | mINP | mAP vs full | minutes |\n");
        sb.append("|---|---|---|---|---|---|---|\n");
        for (Row r : rows) {
            String delta = full == null || r == full ? "" : String.format(Locale.ROOT, "%+.4f", r.mAP() - full.mAP());
            sb.append(String.format(Locale.ROOT, "| %s | %s | %s | %s | %s | %s | %.1f |%n", r.variant().name(),
                    r.variant().removes(), cell(r, Run::rank1), cell(r, Run::mAP), cell(r, Run::mINP), delta, r.minutes()));
        }
        String baselineDelta = full == null ? "" : String.format(Locale.ROOT, "%+.4f", baseline.mAP() - full.mAP());
        sb.append(String.format(Locale.ROOT, "| colour-histogram baseline | (no training) | %.4f | %.4f | %.4f | %s | |%n",
                baseline.rank(1), baseline.mAP(), baseline.mINP(), baselineDelta));
        return sb.toString();
    }

    private static String cell(Row r, ToDoubleFunction<Run> f) {
        return r.runs().size() < 2 ? String.format(Locale.ROOT, "%.4f", r.mean(f))
                : String.format(Locale.ROOT, "%.4f ± %.4f", r.mean(f), r.sd(f));
    }
}
