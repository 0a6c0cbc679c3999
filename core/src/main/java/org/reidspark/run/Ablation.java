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
 * A method's ablation: its configured recipe ({@code full}) trained beside variants, each a set of config overrides,
 * on the same data with the same seeds, each through {@link LocalTraining} (the {@code train-local} path), so the
 * direction of each choice's effect can be compared with its paper's. The variants of each method are listed by
 * {@link #variants(String)}, the one switch from a method name to its ablation:
 * <ul>
 *   <li>BoT ("Bag of Tricks and a Strong Baseline for Deep Person Re-identification", Luo et al., CVPR-W 2019,
 *       https://arxiv.org/abs/1903.07071, Table 1): {@code full}; {@code no-bnneck}: {@code reid.bot.bnneck = false}
 *       (the classifier, with a bias, reads the pooled feature; the test embedding is the pooled feature; see
 *       {@link org.reidspark.model.head.BNNeck}); {@code no-label-smoothing}: {@code reid.bot.loss.label-smoothing = 0};
 *       {@code no-random-erasing}: {@code reid.augment.erasing-p = 0}.</li>
 *   <li>DCR (https://doi.org/10.1016/j.neucom.2024.128723): {@code full}; {@code parts-unweighted} and
 *       {@code holistic}, the same trained model matched without the visibility weighting and by the holistic
 *       feature; {@code k1}, {@code k2}, {@code k4}, the number-of-parts ablation (the recipe's K is 3);
 *       {@code no-overlap-penalty} and {@code no-alignment}, the stripe-wise regularization and the self-refinement
 *       left out; {@code bot}, BoT trained with the same backbone, input, batches, augmentation and schedule.</li>
 * </ul>
 * A variant may be evaluated on another variant's trained model ({@link Variant#trainedAs()}: only the matching rule
 * differs), so it costs an evaluation, not a training. With several seeds ({@code reid.run.seed}, +1, +2, ...:
 * network initialization, sampling, augmentation, Gumbel noise; the dataset stays the same) a variant's figures are
 * means, with the sample standard deviation beside them, and {@link #pairedTable} lists each seed's difference
 * from {@code full}.
 *
 * <p>Each finished (variant, seed) run leaves {@code variants/<variant>/seed-<seed>.json} (metrics, minutes, training
 * curve) and its checkpoint in {@code checkpoints/<variant>/seed-<seed>/} under the ablation's directory; a
 * restarted ablation reuses the finished runs and resumes an interrupted one from its checkpoint.
 */
public final class Ablation {
    private static final Logger LOG = LoggerFactory.getLogger(Ablation.class);
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /**
     * One arm of the ablation.
     *
     * @param name      its name on the command line and in the table
     * @param changes   what it changes, in words
     * @param overrides config keys and the values that make it
     * @param trainedAs the variant whose trained model it is evaluated on (its overrides only change the matching),
     *                  or null when it trains its own
     */
    public record Variant(String name, String changes, Map<String, Object> overrides, String trainedAs) {
        public Variant {
            overrides = Map.copyOf(overrides);
        }

        /** A variant that trains its own model. */
        public Variant(String name, String changes, Map<String, Object> overrides) {
            this(name, changes, overrides, null);
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

        /** The variant whose checkpoints hold this one's trained model: itself, or {@link #trainedAs()}. */
        public String trainingName() {
            return trainedAs == null ? name : trainedAs;
        }
    }

    /** BoT's full recipe and one variant per removed trick, in the order the table lists them. */
    public static final List<Variant> BOT = List.of(
            new Variant("full", "-", Map.of()),
            new Variant("no-bnneck", "BNNeck", Map.of("reid.bot.bnneck", false)),
            new Variant("no-label-smoothing", "label smoothing", Map.of("reid.bot.loss.label-smoothing", 0.0)),
            new Variant("no-random-erasing", "random erasing", Map.of("reid.augment.erasing-p", 0.0)));

    /** DCR's recipe, its matchings, its number of parts, its two regularizers left out, and BoT beside it. */
    public static final List<Variant> DCR = List.of(
            new Variant("full", "-", Map.of()),
            new Variant("parts-unweighted", "visibility weighting off (the full model)", Map.of("reid.dcr.matching", "parts"), "full"),
            new Variant("holistic", "holistic matching (the full model)", Map.of("reid.dcr.matching", "holistic"), "full"),
            new Variant("k1", "K = 1", Map.of("reid.dcr.parts", 1)),
            new Variant("k2", "K = 2", Map.of("reid.dcr.parts", 2)),
            new Variant("k4", "K = 4", Map.of("reid.dcr.parts", 4)),
            new Variant("no-overlap-penalty", "stripe overlap penalty off", Map.of("reid.dcr.loss.stripe-weight", 0.0)),
            new Variant("no-alignment", "pixel-level part alignment off", Map.of("reid.dcr.loss.alignment-weight", 0.0)),
            new Variant("bot", "BoT, same backbone, input, batches, epochs", Map.of("reid.method", "bot")));

    /** The methods that have an ablation. */
    public static final List<String> METHODS = List.of("bot", "dcr");

    private Ablation() {
    }

    /** The variants of {@code method}'s ablation, in the table's order; an unknown method fails listing the known ones. */
    public static List<Variant> variants(String method) {
        return switch (method) {
            case "bot" -> BOT;
            case "dcr" -> DCR;
            default -> throw Check.unknownName("ablation of method (reid.method)", method, METHODS);
        };
    }

    public static List<String> names(String method) {
        return variants(method).stream().map(Variant::name).toList();
    }

    /**
     * The variants of {@code method} named in {@code spec}, comma-separated, in the table's order; {@code all} or
     * blank = every one. A variant evaluated on another's model brings that variant in too.
     *
     * @throws ConfigError for an unknown or repeated name (listing the known ones)
     */
    public static List<Variant> select(String method, String spec) {
        List<Variant> all = variants(method);
        if (spec == null || spec.isBlank() || spec.trim().equals("all")) return all;
        List<String> wanted = new ArrayList<>();
        for (String s : spec.split(",")) {
            String name = s.trim();
            if (!names(method).contains(name)) throw Check.unknownName("ablation variant of " + method, name, names(method));
            if (wanted.contains(name)) throw new ConfigError("ablation variant \"" + name + "\" is listed twice");
            wanted.add(name);
        }
        for (Variant v : all) if (wanted.contains(v.name()) && v.trainedAs() != null && !wanted.contains(v.trainedAs())) wanted.add(v.trainedAs());
        return all.stream().filter(v -> wanted.contains(v.name())).toList();
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
            m.put("changes", variant.changes());
            if (variant.trainedAs() != null) m.put("trainedAs", variant.trainedAs());
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
     *                 finished runs found there are reused; variants evaluated on another's model come after it
     * @param progress told of each run as it finishes
     * @return one row per variant, in the order given
     */
    public static List<Row> run(Config config, Manifest manifest, Storage storage, List<Variant> variants,
                                List<Long> seeds, Path dir, Consumer<Run> progress) throws IOException {
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
        LOG.info("ablation: {} variant {} with seed {} (overrides {})", v.trainedAs() == null ? "training" : "evaluating",
                v.name(), seed, v.overrides());
        Config c = v.applyTo(config).withValue("reid.run.seed", ConfigValueFactory.fromAnyRef(seed));
        long start = System.nanoTime();
        LocalTraining.Result r = LocalTraining.run(c, manifest, storage,
                new Checkpoints(storage, new Path(dir, "checkpoints/" + v.trainingName() + "/seed-" + seed)));
        double minutes = (System.nanoTime() - start) / 60e9;
        RankingMetrics m = r.metrics();
        Run run = new Run(v.name(), seed, m.rank(1), m.mAP(), m.mINP(), m.validQueries(), minutes, false);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("variant", v.name());
        out.put("seed", seed);
        out.put("overrides", new java.util.TreeMap<>(v.overrides()));
        if (v.trainedAs() != null) out.put("trainedAs", v.trainedAs());
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
        sb.append("| variant | changes | Rank-1 | mAP | mINP | mAP vs full | minutes |\n");
        sb.append("|---|---|---|---|---|---|---|\n");
        for (Row r : rows) {
            String delta = full == null || r == full ? "" : String.format(Locale.ROOT, "%+.4f", r.mAP() - full.mAP());
            sb.append(String.format(Locale.ROOT, "| %s | %s | %s | %s | %s | %s | %.1f |%n", r.variant().name(),
                    r.variant().changes(), cell(r, Run::rank1), cell(r, Run::mAP), cell(r, Run::mINP), delta, r.minutes()));
        }
        String baselineDelta = full == null ? "" : String.format(Locale.ROOT, "%+.4f", baseline.mAP() - full.mAP());
        sb.append(String.format(Locale.ROOT, "| colour-histogram baseline | (no training) | %.4f | %.4f | %.4f | %s | |%n",
                baseline.rank(1), baseline.mAP(), baseline.mINP(), baselineDelta));
        return sb.toString();
    }

    /**
     * Each variant's difference from {@code full} seed by seed (the same seed gives the same initialization,
     * sampling, augmentation and noise), as a markdown table: mAP and Rank-1 differences in seed order, and whether
     * the mAP difference has the same sign on every seed. Empty without {@code full} or without another variant.
     */
    public static String pairedTable(List<Row> rows) {
        Row full = rows.stream().filter(r -> r.variant().name().equals("full")).findFirst().orElse(null);
        if (full == null || rows.size() < 2) return "";
        Map<Long, Run> base = new LinkedHashMap<>();
        for (Run r : full.runs()) base.put(r.seed(), r);
        StringBuilder sb = new StringBuilder();
        sb.append("| variant | seeds | mAP difference from full | Rank-1 difference from full | mAP lower on every seed |\n");
        sb.append("|---|---|---|---|---|\n");
        for (Row row : rows) {
            if (row == full) continue;
            List<String> seeds = new ArrayList<>();
            List<String> dMap = new ArrayList<>();
            List<String> dRank = new ArrayList<>();
            boolean allLower = true;
            for (Run r : row.runs()) {
                Run f = base.get(r.seed());
                if (f == null) continue;
                seeds.add(String.valueOf(r.seed()));
                dMap.add(String.format(Locale.ROOT, "%+.4f", r.mAP() - f.mAP()));
                dRank.add(String.format(Locale.ROOT, "%+.4f", r.rank1() - f.rank1()));
                allLower &= r.mAP() < f.mAP();
            }
            if (seeds.isEmpty()) continue;
            sb.append(String.format(Locale.ROOT, "| %s | %s | %s | %s | %s |%n", row.variant().name(), String.join(" / ", seeds),
                    String.join(" / ", dMap), String.join(" / ", dRank), allLower ? "yes" : "no"));
        }
        return sb.toString();
    }

    private static String cell(Row r, ToDoubleFunction<Run> f) {
        return r.runs().size() < 2 ? String.format(Locale.ROOT, "%.4f", r.mean(f))
                : String.format(Locale.ROOT, "%.4f ± %.4f", r.mean(f), r.sd(f));
    }
}
