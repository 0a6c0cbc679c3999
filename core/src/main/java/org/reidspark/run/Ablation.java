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
import org.reidspark.data.Sample;
import org.reidspark.data.catalog.DataConfig;
import org.reidspark.data.batch.LoaderConfig;
import org.reidspark.data.image.ImageSource;
import org.reidspark.data.image.InputConfig;
import org.reidspark.embed.EmbedConfig;
import org.reidspark.embed.Embedder;
import org.reidspark.eval.Embeddings;
import org.reidspark.eval.Labels;
import org.reidspark.eval.OutfitProbe;
import org.reidspark.eval.RankingMetrics;
import org.reidspark.method.Method;
import org.reidspark.method.Methods;
import org.reidspark.train.Checkpoints;
import org.reidspark.train.TrainingState;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.ToDoubleFunction;

/**
 * A method's ablation: its configured recipe trained beside variants that change one thing (config overrides), on the
 * same data with the same seeds, each through {@link LocalTraining} (the {@code train-local} path), evaluated under
 * every protocol of {@code reid.eval} and, where the test images have clothes labels, probed for how much their
 * features say about the outfit ({@link OutfitProbe}). The variant lists are the methods' ({@link Ablations}): BoT's
 * removes one trick at a time (its paper's Table 1), CAL's removes the clothes losses and adds controls, DCR's varies
 * its matching, its number of parts and its regularizers and trains BoT beside it. A variant may be evaluated on another
 * variant's trained model ({@link Variant#trainedAs()}: only the matching rule differs), so it costs an evaluation, not
 * a training.
 * With several seeds ({@code reid.run.seed}, +1, +2, ...: network initialization, sampling, augmentation; the dataset
 * stays the same) a variant's figures are means, with the sample standard deviation beside them, and every variant is
 * compared seed by seed with the method's reference variant.
 *
 * <p>Each finished (variant, seed) run leaves {@code variants/<variant>/seed-<seed>.json} (metrics, probe, minutes,
 * training curve) and its checkpoint in {@code checkpoints/<variant>/seed-<seed>/} under the ablation's directory; a
 * restarted ablation reuses the finished runs and resumes an interrupted one from its checkpoint.
 */
public final class Ablation {
    private static final Logger LOG = LoggerFactory.getLogger(Ablation.class);
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /**
     * One arm of an ablation.
     *
     * @param name      its name on the command line and in the tables
     * @param changes   what it changes against the configured recipe, in words ({@code -} for none)
     * @param overrides config keys and the values that make the change
     * @param trainedAs the variant whose trained model it is evaluated on (its overrides change only what the
     *                  method's fingerprint leaves out, the matching), or null when it trains its own
     * @param initFrom  the variant whose trained model (same seed) warm-starts this one's training
     *                  ({@link WarmStart}: PAUL's adaptation starts from the source model), or null
     * @param onSource  whether it trains on the source dataset ({@value #SOURCE}: the experiment's overrides that make
     *                  another dataset, and the recipe there) instead of the target's training split; it is evaluated
     *                  on the target's query and gallery like every variant
     */
    public record Variant(String name, String changes, Map<String, Object> overrides, String trainedAs, String initFrom,
                          boolean onSource) {
        public Variant {
            overrides = Map.copyOf(overrides);
            if (trainedAs != null && (initFrom != null || onSource)) {
                throw new IllegalArgumentException("variant " + name + " is evaluated on " + trainedAs + "'s model: it trains nothing");
            }
        }

        /** A variant that trains its own model, or is evaluated on {@code trainedAs}'s. */
        public Variant(String name, String changes, Map<String, Object> overrides, String trainedAs) {
            this(name, changes, overrides, trainedAs, null, false);
        }

        /** A variant that trains its own model. */
        public Variant(String name, String changes, Map<String, Object> overrides) {
            this(name, changes, overrides, null);
        }

        /** A variant trained on the source dataset ({@value #SOURCE}). */
        public static Variant onSource(String name, String changes, Map<String, Object> overrides) {
            return new Variant(name, changes, overrides, null, null, true);
        }

        /** A variant whose training starts from {@code initFrom}'s trained model of the same seed. */
        public static Variant startingFrom(String initFrom, String name, String changes, Map<String, Object> overrides) {
            return new Variant(name, changes, overrides, null, initFrom, false);
        }

        /** The variant whose checkpoints hold this one's trained model: itself, or {@link #trainedAs()}. */
        public String trainingName() {
            return trainedAs == null ? name : trainedAs;
        }

        /** The variants this one needs run before it (same seed): the one it is evaluated on or starts from. */
        List<String> needs() {
            List<String> n = new ArrayList<>();
            if (trainedAs != null) n.add(trainedAs);
            if (initFrom != null) n.add(initFrom);
            return n;
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

        /** The config this variant trains with: {@code config}, on the source's overrides where it trains there, with its own. */
        public Config trainingConfig(Config config) {
            return applyTo(onSource ? sourceConfig(config) : config);
        }
    }

    /**
     * The config key of the source dataset's overrides, relative to {@code reid} (e.g. {@code synth { seed = 2, output
     * = "data/synth-source" }}, and a training recipe of its own where it differs), for variants that train there.
     */
    public static final String SOURCE = "reid.ablation.source";

    /**
     * {@code config} with the overrides of {@value #SOURCE} applied over it.
     *
     * @throws ConfigError when the section is empty or sets a key that {@code reid} does not have
     */
    public static Config sourceConfig(Config config) {
        Config source = config.hasPath(SOURCE) ? config.getConfig(SOURCE) : com.typesafe.config.ConfigFactory.empty();
        if (source.isEmpty()) {
            throw new ConfigError("this ablation trains on a source dataset, but " + SOURCE + " is empty: set the overrides"
                    + " that make the source (e.g. " + SOURCE + ".synth { seed = 2, output = \"data/synth-source\" })");
        }
        List<String> unknown = new ArrayList<>();
        for (Map.Entry<String, com.typesafe.config.ConfigValue> e : source.entrySet()) {
            String key = "reid." + e.getKey();
            if (!config.hasPath(key) || key.startsWith("reid.ablation")) unknown.add(SOURCE + "." + e.getKey());
        }
        if (!unknown.isEmpty()) {
            throw new ConfigError("unknown source override" + (unknown.size() > 1 ? "s" : "") + " " + String.join(", ", unknown)
                    + ": every key under " + SOURCE + " must be a reid key (without the reid. prefix), e.g. synth.seed");
        }
        return source.atPath("reid").withFallback(config);
    }

    /**
     * A method's ablation.
     *
     * @param method    the method ({@code reid.method}) it ablates
     * @param variants  its variants, in the order the tables list them
     * @param reference the variant every other one is compared with (BoT: the full recipe; CAL: without the clothes losses)
     */
    public record Spec(String method, List<Variant> variants, String reference) {
        public Spec {
            variants = List.copyOf(variants);
            if (variants.stream().noneMatch(v -> v.name().equals(reference))) {
                throw new IllegalArgumentException("reference variant " + reference + " is not among " + variants);
            }
            List<String> names = variants.stream().map(Variant::name).toList();
            for (Variant v : variants) {
                for (String needed : v.needs()) {
                    int before = names.indexOf(needed);
                    if (before < 0 || before > names.indexOf(v.name())) {
                        throw new IllegalArgumentException("variant " + v.name() + " needs " + needed + ", which must be listed before it");
                    }
                }
            }
        }

        public List<String> names() {
            return variants.stream().map(Variant::name).toList();
        }

        /**
         * The variants named in {@code spec}, comma-separated, in the table's order; {@code all} or blank = every one.
         * A variant evaluated on another's model, or starting from it, brings that variant in too.
         *
         * @throws ConfigError for an unknown or repeated name (listing the known ones)
         */
        public List<Variant> select(String spec) {
            if (spec == null || spec.isBlank() || spec.trim().equals("all")) return variants;
            List<String> wanted = new ArrayList<>();
            for (String s : spec.split(",")) {
                String name = s.trim();
                if (!names().contains(name)) throw Check.unknownName(method + " ablation variant", name, names());
                if (wanted.contains(name)) throw new ConfigError("ablation variant \"" + name + "\" is listed twice");
                wanted.add(name);
            }
            // the variants a wanted one needs come too (listed earlier, so one pass from the end catches chains)
            for (int i = variants.size() - 1; i >= 0; i--) {
                Variant v = variants.get(i);
                if (wanted.contains(v.name())) for (String n : v.needs()) if (!wanted.contains(n)) wanted.add(n);
            }
            return variants.stream().filter(v -> wanted.contains(v.name())).toList();
        }
    }

    /** The figures of one protocol. */
    public record Figures(String protocol, double rank1, double mAP, double mINP, int validQueries) {
        static List<Figures> of(RankingMetrics m) {
            return m.all().stream().map(r -> new Figures(r.protocol().configName(), r.rank(1), r.mAP(), r.mINP(), r.validQueries())).toList();
        }
    }

    /**
     * One trained and evaluated (variant, seed).
     *
     * @param protocols its figures per protocol, the headline ({@code reid.eval.protocol}) first
     * @param probe     the outfit probe of its test features, or null where the test images have no clothes labels
     * @param minutes   wall time of its training and evaluation
     * @param reused    true when read back from an earlier, interrupted ablation instead of trained here
     */
    public record Run(String variant, long seed, List<Figures> protocols, OutfitProbe.Result probe, double minutes,
                      boolean reused) {
        public Run {
            protocols = List.copyOf(protocols);
            if (protocols.isEmpty()) throw new IllegalArgumentException("a run without figures");
        }

        /** The figures under {@code protocol}. */
        public Figures under(String protocol) {
            return protocols.stream().filter(f -> f.protocol().equals(protocol)).findFirst()
                    .orElseThrow(() -> new IllegalArgumentException(variant + " seed " + seed + " has no figures under " + protocol));
        }

        public double rank1() {
            return protocols.get(0).rank1();
        }

        public double mAP() {
            return protocols.get(0).mAP();
        }

        public double mINP() {
            return protocols.get(0).mINP();
        }

        /** Outfit-probe accuracy, NaN without a probe. */
        public double probeAccuracy() {
            return probe == null ? Double.NaN : probe.accuracy();
        }
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

        /** The row as written to {@code ablation.json}: per protocol the means and deviations, the probe, the runs. */
        public Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("variant", variant.name());
            m.put("changes", variant.changes());
            if (variant.trainedAs() != null) m.put("trainedAs", variant.trainedAs());
            if (variant.initFrom() != null) m.put("initFrom", variant.initFrom());
            if (variant.onSource()) m.put("onSource", true);
            m.put("overrides", new java.util.TreeMap<>(variant.overrides()));
            m.put("rank1", rank1());
            m.put("mAP", mAP());
            m.put("mINP", mINP());
            m.put("minutes", minutes());
            m.put("rank1Sd", sd(Run::rank1));
            m.put("mAPSd", sd(Run::mAP));
            m.put("mINPSd", sd(Run::mINP));
            Map<String, Object> per = new LinkedHashMap<>();
            for (Figures f : runs.get(0).protocols()) {
                String p = f.protocol();
                Map<String, Object> fm = new LinkedHashMap<>();
                fm.put("rank1", mean(r -> r.under(p).rank1()));
                fm.put("mAP", mean(r -> r.under(p).mAP()));
                fm.put("mINP", mean(r -> r.under(p).mINP()));
                fm.put("rank1Sd", sd(r -> r.under(p).rank1()));
                fm.put("mAPSd", sd(r -> r.under(p).mAP()));
                fm.put("mINPSd", sd(r -> r.under(p).mINP()));
                per.put(p, fm);
            }
            m.put("protocols", per);
            if (runs.get(0).probe() != null) {
                m.put("probeAccuracy", mean(Run::probeAccuracy));
                m.put("probeAccuracySd", sd(Run::probeAccuracy));
                m.put("probeChance", runs.get(0).probe().chance());
            }
            m.put("runs", runs);
            return m;
        }
    }

    private Ablation() {
    }

    /** The seeds of {@code repeats} runs: the run seed and the ones after it. */
    public static List<Long> seeds(long runSeed, int repeats) {
        if (repeats < 1) throw new IllegalArgumentException("repeats must be at least 1, got " + repeats);
        List<Long> s = new ArrayList<>();
        for (int i = 0; i < repeats; i++) s.add(runSeed + i);
        return s;
    }

    /**
     * Trains and evaluates every variant with every seed, in this JVM: seed by seed, each seed's variants one after the
     * other (so that partial results are paired comparisons).
     *
     * @param dir      the ablation's (unpublished) directory: per-run results and checkpoints go under it, and
     *                 finished runs found there are reused
     * @param datasets reads the manifest a config names (the source dataset of variants that train there; it is made
     *                 first where it is synthetic and missing)
     * @param progress told of each run as it finishes
     * @return one row per variant, in the order given
     */
    public static List<Row> run(Config config, Manifest manifest, Storage storage, List<Variant> variants, List<Long> seeds,
                                Path dir, Datasets datasets, Consumer<Run> progress) throws IOException {
        Map<String, List<Run>> runs = new LinkedHashMap<>();
        for (Variant v : variants) runs.put(v.name(), new ArrayList<>());
        Manifest onSource = null;
        if (variants.stream().anyMatch(Variant::onSource)) {
            Manifest source = datasets.read(sourceConfig(config));
            onSource = sourceToTarget(source, manifest);
            LOG.info("ablation: source dataset {} ({} training images of {} identities), evaluated on {}", source.dataset(),
                    source.train().size(), source.trainIdentities(), manifest.dataset());
        }
        for (long seed : seeds) {
            for (Variant v : variants) {
                Path result = new Path(dir, "variants/" + v.name() + "/seed-" + seed + ".json");
                Run run = storage.exists(result) ? reuse(storage, result, v, seed)
                        : train(config, v.onSource() ? onSource : manifest, storage, v, seed, dir, result);
                runs.get(v.name()).add(run);
                progress.accept(run);
            }
        }
        List<Row> rows = new ArrayList<>();
        for (Variant v : variants) rows.add(new Row(v, runs.get(v.name())));
        return rows;
    }

    /** Reads the dataset a config names. */
    @FunctionalInterface
    public interface Datasets {
        Manifest read(Config config) throws IOException;
    }

    /**
     * The source's training split with the target's query and gallery: what a variant trained on the source is
     * trained on and evaluated with. Both datasets must have distinct roots (the source is another dataset).
     */
    static Manifest sourceToTarget(Manifest source, Manifest target) {
        if (source.hash().equals(target.hash())) {
            throw new ConfigError("the source dataset (" + SOURCE + ") is the target dataset itself (" + source.root()
                    + "): give it other data, e.g. another synth.seed and synth.output");
        }
        List<Sample> samples = new ArrayList<>(source.train());
        samples.addAll(target.query());
        samples.addAll(target.gallery());
        return new Manifest(source.dataset() + " -> " + target.dataset(), source.root(), samples);
    }

    /** The query and gallery images, in that order, and their labels: what the outfit probe reads. */
    static List<Sample> testImages(Manifest manifest) {
        List<Sample> test = new ArrayList<>(manifest.query());
        test.addAll(manifest.gallery());
        return test;
    }

    /** Whether every query and gallery image has a clothes label (then the outfit probe runs). */
    public static boolean probes(Manifest manifest) {
        List<Sample> test = testImages(manifest);
        return !test.isEmpty() && test.stream().allMatch(s -> s.clothes() >= 0);
    }

    private static Run train(Config config, Manifest manifest, Storage storage, Variant v, long seed, Path dir, Path result)
            throws IOException {
        LOG.info("ablation: {} variant {} with seed {} (overrides {})", v.trainedAs() == null ? "training" : "evaluating",
                v.name(), seed, v.overrides());
        Config c = v.trainingConfig(config).withValue("reid.run.seed", ConfigValueFactory.fromAnyRef(seed));
        if (manifest.trainLabeled() && DataConfig.from(c).trainLabels() == DataConfig.TrainLabels.NONE) {
            manifest = manifest.withoutTrainLabels(); // a variant that trains without labels never holds them
        }
        Optional<TrainedModel> warmStart = Optional.empty();
        if (v.initFrom() != null) {
            Path from = new Path(dir, "checkpoints/" + v.initFrom() + "/seed-" + seed);
            TrainingState state = new Checkpoints(storage, from).load()
                    .orElseThrow(() -> new IOException("variant " + v.name() + " starts from " + v.initFrom() + ", which has no checkpoint in " + from));
            Method method = Methods.of(c);
            warmStart = Optional.of(new TrainedModel(from, "ablation variant " + v.initFrom() + ", seed " + seed, c, method, state.networks()));
            c = c.withValue(WarmStart.KEY, ConfigValueFactory.fromAnyRef(from.toString())); // recorded in the fingerprint
        }
        long start = System.nanoTime();
        LocalTraining.Result r = LocalTraining.run(c, manifest, storage,
                new Checkpoints(storage, new Path(dir, "checkpoints/" + v.trainingName() + "/seed-" + seed)), warmStart);
        OutfitProbe.Result probe = null;
        if (probes(manifest)) {
            InputConfig input = InputConfig.from(c);
            EmbedConfig embed = EmbedConfig.from(c);
            Embedder embedder = new Embedder(r.method().testNetwork(r.state().networks()), input,
                    ImageSource.decoding(storage, input), LoaderConfig.from(c), embed.batchSize(), embed.flip());
            List<Sample> test = testImages(manifest);
            probe = OutfitProbe.of(embedder.embed("test", test).embedding(), Labels.of("test", test));
        }
        double minutes = (System.nanoTime() - start) / 60e9;
        RankingMetrics m = r.metrics();
        Run run = new Run(v.name(), seed, Figures.of(m), probe, minutes, false);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("variant", v.name());
        out.put("seed", seed);
        out.put("overrides", new java.util.TreeMap<>(v.overrides()));
        if (v.trainedAs() != null) out.put("trainedAs", v.trainedAs());
        if (v.initFrom() != null) out.put("initFrom", v.initFrom());
        if (v.onSource()) out.put("trainedOn", manifest.dataset());
        out.put("minutes", minutes);
        out.put("metrics", m.toMap());
        if (probe != null) out.put("probe", probe.toMap());
        // a variant evaluated on another variant's model has no curve of its own (the restored checkpoint's is that one's)
        out.put("curve", v.trainedAs() == null ? r.curve() : List.of());
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
        List<Figures> figures = new ArrayList<>();
        figures.add(figures(m.path("protocol").asText("standard"), m));
        for (Iterator<Map.Entry<String, JsonNode>> it = m.path("otherProtocols").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            figures.add(figures(e.getKey(), e.getValue()));
        }
        JsonNode p = n.path("probe");
        OutfitProbe.Result probe = p.isMissingNode() ? null : new OutfitProbe.Result(p.path("accuracy").asDouble(),
                p.path("chance").asDouble(), p.path("images").asInt(), p.path("classes").asInt(), p.path("persons").asInt());
        return new Run(v.name(), seed, figures, probe, n.path("minutes").asDouble(), true);
    }

    private static Figures figures(String protocol, JsonNode m) {
        return new Figures(protocol, m.path("cmc").get(0).asDouble(), m.path("mAP").asDouble(), m.path("mINP").asDouble(),
                m.path("validQueries").asInt());
    }

    /**
     * The results as markdown: per protocol (the headline first) one line per variant (Rank-1, mAP, mINP, mAP relative
     * to the reference variant when it was run) and the colour-histogram baseline measured on the same split; then
     * per variant the outfit probe (where there is one) and the minutes per run; then, with several seeds, the mAP
     * differences from the reference seed by seed.
     *
     * @param baselineProbe the probe of the colour histograms, or null
     */
    public static String table(List<Row> rows, String reference, RankingMetrics baseline, OutfitProbe.Result baselineProbe) {
        Row ref = rows.stream().filter(r -> r.variant().name().equals(reference)).findFirst().orElse(null);
        StringBuilder sb = new StringBuilder();
        List<RankingMetrics> baselines = baseline.all();
        for (RankingMetrics b : baselines) {
            String p = b.protocol().configName();
            if (baselines.size() > 1) sb.append(String.format(Locale.ROOT, "%n%s protocol:%n%n", p));
            sb.append("| variant | changes | Rank-1 | mAP | mINP | mAP vs ").append(reference).append(" |\n");
            sb.append("|---|---|---|---|---|---|\n");
            for (Row r : rows) {
                String delta = ref == null || r == ref ? "" : String.format(Locale.ROOT, "%+.4f",
                        r.mean(x -> x.under(p).mAP()) - ref.mean(x -> x.under(p).mAP()));
                sb.append(String.format(Locale.ROOT, "| %s | %s | %s | %s | %s | %s |%n", r.variant().name(), r.variant().changes(),
                        cell(r, x -> x.under(p).rank1()), cell(r, x -> x.under(p).mAP()), cell(r, x -> x.under(p).mINP()), delta));
            }
            String baselineDelta = ref == null ? "" : String.format(Locale.ROOT, "%+.4f", b.mAP() - ref.mean(x -> x.under(p).mAP()));
            sb.append(String.format(Locale.ROOT, "| colour-histogram baseline | (no training) | %.4f | %.4f | %.4f | %s |%n",
                    b.rank(1), b.mAP(), b.mINP(), baselineDelta));
        }
        boolean probed = rows.get(0).runs().get(0).probe() != null;
        sb.append(String.format(Locale.ROOT, "%n| variant | %sminutes per run |%n|---|%s---|%n",
                probed ? "outfit probe accuracy (chance) | " : "", probed ? "---|" : ""));
        for (Row r : rows) {
            String probe = probed ? String.format(Locale.ROOT, "%s (%.3f) | ", cell(r, Run::probeAccuracy), r.runs().get(0).probe().chance()) : "";
            sb.append(String.format(Locale.ROOT, "| %s | %s%.1f |%n", r.variant().name(), probe, r.minutes()));
        }
        if (probed && baselineProbe != null) {
            sb.append(String.format(Locale.ROOT, "| colour-histogram baseline | %.4f (%.3f) | |%n", baselineProbe.accuracy(), baselineProbe.chance()));
        }
        if (ref != null && ref.runs().size() > 1 && rows.size() > 1) {
            sb.append(String.format(Locale.ROOT, "%n| variant | paired with %s, seed by seed (", reference));
            List<String> protocols = baselines.stream().map(b -> b.protocol().configName()).toList();
            sb.append(String.join("; ", protocols.stream().map(p -> p + " mAP").toList())).append(probed ? "; outfit probe" : "")
                    .append(") |\n|---|---|\n");
            for (Row r : rows) {
                if (r == ref) continue;
                List<String> cells = new ArrayList<>();
                for (String p : protocols) cells.add(paired(r, ref, x -> x.under(p).mAP()));
                if (probed) cells.add(paired(r, ref, Run::probeAccuracy));
                sb.append("| ").append(r.variant().name()).append(" | ").append(String.join("; ", cells)).append(" |\n");
            }
        }
        return sb.toString();
    }

    /** The differences of {@code f} between {@code r} and {@code ref} for each seed both ran, {@code a / b / c}. */
    private static String paired(Row r, Row ref, ToDoubleFunction<Run> f) {
        List<String> d = new ArrayList<>();
        for (Run run : r.runs()) {
            for (Run other : ref.runs()) {
                if (other.seed() == run.seed()) d.add(String.format(Locale.ROOT, "%+.3f", f.applyAsDouble(run) - f.applyAsDouble(other)));
            }
        }
        return String.join(" / ", d);
    }

    private static String cell(Row r, ToDoubleFunction<Run> f) {
        return r.runs().size() < 2 ? String.format(Locale.ROOT, "%.4f", r.mean(f))
                : String.format(Locale.ROOT, "%.4f ± %.4f", r.mean(f), r.sd(f));
    }
}
