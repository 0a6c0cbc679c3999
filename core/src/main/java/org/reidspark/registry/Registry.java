package org.reidspark.registry;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.reidspark.artifact.AtomicFile;
import org.reidspark.artifact.Storage;
import org.reidspark.data.Manifest;

import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPOutputStream;

/**
 * A model registry under one prefix (a local folder or {@code s3a://bucket/prefix}), as the scheduled re-training
 * pipeline keeps it:
 * <pre>
 * pipeline.json             what was pinned when the pipeline was set up: the holdout shard set (location, hash)
 * data/d0003/               a data version: version.json (its identity, counts, what was added and removed since
 *                           the previous one; written last), files.tsv.gz (its {@link DataIndex}), changes.tsv.gz
 * shards/d0003/             the data version's shard set (the train job's)
 * versions/v0003/           the candidate trained on d0003: a training run directory (model/, config.conf, run.json
 *                           with the git revision, metrics.json, curve.json, checkpoints/)
 * versions/v0003.start      the model it started from (fixed at its first start, kept by a resumed run)
 * versions/v0003.json       its record ({@link VersionRecord}): data version, metrics on the holdout beside the
 *                           champion's, git revision, the decision and its reason; written once, when decided
 * gate/v0003/               the two holdout evaluations of that decision (evaluate job artifacts)
 * embeddings/v0003-1a2b3c4d the collection embedded by a champion (extract job artifact)
 * champion.json             the alias ({@link Champion}): model and embeddings of the current champion, replaced in
 *                           one step ({@link AtomicFile}) only once both are complete
 * history/000007.json       one {@link Event} per change, numbered
 * runs/&lt;run id&gt;.json        the status of each pipeline run that held the lease
 * lease.json                the {@link Lease} of the process changing the registry
 * </pre>
 * Consumers read {@code champion.json} only: its model and its embeddings always belong together. Every other file
 * is written under the lease, and each record is complete before anything refers to it.
 */
public final class Registry {
    public static final String PIPELINE = "pipeline.json";
    public static final String CHAMPION = "champion.json";
    public static final String LEASE = "lease.json";
    public static final String DATA = "data";
    public static final String VERSIONS = "versions";
    public static final String SHARDS = "shards";
    public static final String GATE = "gate";
    public static final String EMBEDDINGS = "embeddings";
    public static final String HISTORY = "history";
    public static final String RUNS = "runs";
    /** A data version's record, written last. */
    public static final String DATA_VERSION = "version.json";
    public static final String DATA_INDEX = "files.tsv.gz";
    public static final String DATA_CHANGES = "changes.tsv.gz";
    private static final Pattern DATA_NAME = Pattern.compile("d(\\d{4,})");
    private static final Pattern VERSION_RECORD = Pattern.compile("(v\\d{4,})\\.json");
    private static final Pattern EVENT = Pattern.compile("(\\d{6,})\\.json");
    static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .setSerializationInclusion(JsonInclude.Include.NON_NULL);
    /** How the registry writes its records, for printing them. */
    public static final com.fasterxml.jackson.databind.ObjectWriter JSON_WRITER = JSON.writer();

    /**
     * A data version.
     *
     * @param name            {@code d0003}
     * @param created         when it was recorded
     * @param identity        {@link DataIndex#identity()}
     * @param manifestSha256  the catalog manifest's hash ({@link Manifest#hash()}: names included), as training sees it
     * @param dataset         the catalog
     * @param root            the dataset root
     * @param images          images per split
     * @param trainIdentities training identities
     * @param parent          the data version before it ({@code null} for the first)
     * @param added           what it has that its parent had not: images, per split, new training identities, a few uris
     * @param removed         the reverse
     */
    public record DataVersion(String name, String created, String identity, String manifestSha256, String dataset, String root,
                              Map<String, Integer> images, int trainIdentities, String parent, Map<String, Object> added,
                              Map<String, Object> removed) {
        /** The number in its name. */
        public int number() {
            return Integer.parseInt(name.substring(1));
        }
    }

    /**
     * A version's figures on the holdout.
     *
     * @param evaluation the evaluate job's artifact they come from
     */
    public record Metrics(double mAP, double rank1, double mINP, int validQueries, int queries, int gallery, String evaluation) {
        public GateRule.Scores scores() {
            return new GateRule.Scores(mAP, rank1);
        }

        /** {@code mAP 0.6861, Rank-1 0.8700}. */
        public String brief() {
            return String.format(Locale.ROOT, "mAP %.4f, Rank-1 %.4f", mAP, rank1);
        }
    }

    /**
     * How a version was decided.
     *
     * @param outcome {@code promoted}, {@code rejected}, or {@code superseded} (newer data arrived before it was decided)
     * @param reason  one sentence with the figures
     * @param rule    the gate rule applied
     * @param by      who decided: {@code pipeline run <id>}
     * @param time    when
     */
    public record Decision(String outcome, String reason, Map<String, Object> rule, String by, String time) {
        public boolean promoted() {
            return outcome.equals("promoted");
        }
    }

    /**
     * The registry's record of one version.
     *
     * @param version          {@code v0003}
     * @param created          when the record was written
     * @param dataVersion      the data version it was trained on
     * @param model            its training run directory
     * @param runId            the model's run id ({@code <name>@<start>}), as outputs such as embeddings name it
     * @param method           the method
     * @param config           the run's resolved config ({@code config.conf} in the model's directory)
     * @param gitRevision      the code it was trained with
     * @param warmStart        the version whose weights it started from, or {@code scratch}
     * @param holdout          the pinned holdout it was evaluated on
     * @param candidate        its figures on the holdout
     * @param championVersion  the champion it was compared with ({@code null}: none)
     * @param champion         the champion's figures on the same holdout in the same run
     * @param decision         the decision
     */
    public record VersionRecord(String version, String created, String dataVersion, String model, String runId, String method,
                                String config, String gitRevision, String warmStart, String holdout, Metrics candidate,
                                String championVersion, Metrics champion, Decision decision) {
    }

    /**
     * The champion alias: what consumers use, model and embeddings together.
     *
     * @param version     the champion's version
     * @param model       its model (training run directory)
     * @param runId       its model's run id
     * @param dataVersion the data it was trained on
     * @param embeddings  the collection embedded by it (extract job artifact), or {@code null} when none is configured
     * @param since       when it became champion
     * @param how         {@code pipeline}, {@code promote} (by a person) or {@code rollback}
     * @param by          who or what made it champion
     * @param previous    the champion before it ({@code null}: none)
     */
    public record Champion(String version, String model, String runId, String dataVersion, String embeddings, String since,
                           String how, String by, String previous) {
    }

    /**
     * One change of the registry.
     *
     * @param seq     its number, from 1
     * @param time    when it happened
     * @param kind    {@code data}, {@code decision} or {@code champion}
     * @param version the data version ({@code data}) or model version
     * @param outcome for decisions: promoted, rejected, superseded; for the champion: pipeline, promote, rollback
     * @param detail  one line for people
     * @param by      who or what
     */
    public record Event(int seq, String time, String kind, String version, String outcome, String detail, String by) {
    }

    private final Storage storage;
    private final Path root;

    private Registry(Storage storage, Path root) {
        this.storage = storage;
        this.root = root;
    }

    /** The registry at {@code location} (nothing is created until something is written). */
    public static Registry at(Storage storage, String location) {
        return new Registry(storage, storage.qualifiedPath(location));
    }

    public Path root() {
        return root;
    }

    public Storage storage() {
        return storage;
    }

    public Path resolve(String relative) {
        return new Path(root, relative);
    }

    public Path lease() {
        return resolve(LEASE);
    }

    /** The model version trained on data version {@code d}: the same number. */
    public static String versionFor(DataVersion d) {
        return String.format(Locale.ROOT, "v%04d", d.number());
    }

    /** Where version {@code v}'s training run is published. */
    public Path versionRun(String v) {
        return new Path(resolve(VERSIONS), v);
    }

    public Path shards(DataVersion d) {
        return new Path(resolve(SHARDS), d.name());
    }

    public Path gate(String v) {
        return new Path(resolve(GATE), v);
    }

    public Path embeddings(String name) {
        return new Path(resolve(EMBEDDINGS), name);
    }

    public Path runRecord(String runId) {
        return new Path(resolve(RUNS), runId + ".json");
    }

    // --- the pipeline's set-up ------------------------------------------------------------------------------

    /** What was pinned at set-up, if the pipeline has been set up. */
    public Optional<Map<String, Object>> pipeline() throws IOException {
        Optional<String> text = AtomicFile.read(storage, resolve(PIPELINE));
        if (text.isEmpty()) return Optional.empty();
        return Optional.of(JSON.readValue(text.get(), new com.fasterxml.jackson.core.type.TypeReference<LinkedHashMap<String, Object>>() {
        }));
    }

    /** Pins {@code pipeline} unless something is pinned already; returns what is pinned now. */
    public Map<String, Object> pin(Map<String, Object> pipeline) throws IOException {
        AtomicFile.createIfAbsent(storage, resolve(PIPELINE), JSON.writeValueAsString(pipeline));
        return pipeline().orElseThrow();
    }

    // --- data versions -----------------------------------------------------------------------------------

    /** Every recorded data version, oldest first (a folder without its {@code version.json} is not one). */
    public List<DataVersion> dataVersions() throws IOException {
        List<DataVersion> out = new ArrayList<>();
        for (String name : names(resolve(DATA), DATA_NAME, true)) {
            Optional<String> text = AtomicFile.read(storage, new Path(new Path(resolve(DATA), name), DATA_VERSION));
            if (text.isPresent()) out.add(JSON.readValue(text.get(), DataVersion.class));
        }
        out.sort(Comparator.comparingInt(DataVersion::number));
        return out;
    }

    public Optional<DataVersion> latestData() throws IOException {
        List<DataVersion> all = dataVersions();
        return all.isEmpty() ? Optional.empty() : Optional.of(all.get(all.size() - 1));
    }

    public Optional<DataVersion> data(String name) throws IOException {
        return AtomicFile.read(storage, new Path(new Path(resolve(DATA), name), DATA_VERSION)).map(t -> {
            try {
                return JSON.readValue(t, DataVersion.class);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
    }

    /** The index a data version recorded. */
    public DataIndex index(DataVersion d) throws IOException {
        return DataIndex.read(storage, new Path(new Path(resolve(DATA), d.name()), DATA_INDEX));
    }

    /**
     * Records {@code index} of {@code manifest} as the data version after {@code parent}: its index and changes first,
     * its {@code version.json} last, so a crash in between leaves no version (the next run writes it again).
     */
    public DataVersion recordData(DataIndex index, Manifest manifest, DataVersion parent, DataIndex parentIndex)
            throws IOException {
        int number = parent == null ? 1 : parent.number() + 1;
        String name = String.format(Locale.ROOT, "d%04d", number);
        Path dir = new Path(resolve(DATA), name);
        DataIndex.Changes changes = index.since(parentIndex);
        index.write(storage, new Path(dir, DATA_INDEX));
        writeChanges(new Path(dir, DATA_CHANGES), changes);
        List<Integer> newIds = DataIndex.Changes.newTrainIdentities(parentIndex, index);
        List<Integer> goneIds = parentIndex == null ? List.of() : DataIndex.Changes.newTrainIdentities(index, parentIndex);
        DataVersion d = new DataVersion(name, Instant.now().toString(), index.identity(), manifest.hash(), manifest.dataset(),
                manifest.root(), index.counts(), index.trainIdentities().size(), parent == null ? null : parent.name(),
                change(changes.added(), newIds), change(changes.removed(), goneIds));
        AtomicFile.replace(storage, new Path(dir, DATA_VERSION), JSON.writeValueAsString(d));
        return d;
    }

    private static Map<String, Object> change(List<DataIndex.Entry> entries, List<Integer> trainIdentities) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("images", entries.size());
        Map<String, Integer> perSplit = new LinkedHashMap<>();
        for (DataIndex.Entry e : entries) perSplit.merge(e.split().lower(), 1, Integer::sum);
        m.put("perSplit", perSplit);
        m.put("trainIdentities", trainIdentities);
        m.put("examples", entries.stream().limit(5).map(DataIndex.Entry::uri).toList());
        return m;
    }

    private void writeChanges(Path p, DataIndex.Changes changes) throws IOException {
        try (OutputStream os = storage.fs(p).create(p, true);
             Writer w = new OutputStreamWriter(new GZIPOutputStream(os), StandardCharsets.UTF_8)) {
            w.write("change\turi\tsha256\tpid\tcamid\tclothes\tsplit\n");
            for (DataIndex.Entry e : changes.added()) w.write(line('+', e));
            for (DataIndex.Entry e : changes.removed()) w.write(line('-', e));
        }
    }

    private static String line(char sign, DataIndex.Entry e) {
        return String.valueOf(sign) + '\t' + e.uri() + '\t' + e.sha256() + '\t' + e.pid() + '\t' + e.camid() + '\t'
                + e.clothes() + '\t' + e.split().lower() + '\n';
    }

    // --- versions -------------------------------------------------------------------------------------------

    /** Every version record, oldest first. */
    public List<VersionRecord> versions() throws IOException {
        List<VersionRecord> out = new ArrayList<>();
        for (String file : names(resolve(VERSIONS), VERSION_RECORD, false)) {
            out.add(JSON.readValue(storage.readString(new Path(resolve(VERSIONS), file)), VersionRecord.class));
        }
        out.sort(Comparator.comparing(VersionRecord::version));
        return out;
    }

    public Optional<VersionRecord> version(String v) throws IOException {
        Optional<String> text = AtomicFile.read(storage, new Path(resolve(VERSIONS), v + ".json"));
        return text.isEmpty() ? Optional.empty() : Optional.of(JSON.readValue(text.get(), VersionRecord.class));
    }

    /** Writes a version's record (once, when it is decided). */
    public void record(VersionRecord r) throws IOException {
        AtomicFile.replace(storage, new Path(resolve(VERSIONS), r.version() + ".json"), JSON.writeValueAsString(r));
    }

    /**
     * The version whose weights candidate {@code v} starts from, fixed when its training first starts (so a resumed
     * candidate keeps it whatever people did to the champion meanwhile): {@code from} ("" for none) unless one was
     * fixed already. Kept in {@code versions/<v>.start}.
     */
    public String fixWarmStart(String v, String from) throws IOException {
        Path p = new Path(resolve(VERSIONS), v + ".start");
        AtomicFile.createIfAbsent(storage, p, from);
        return storage.readString(p);
    }

    // --- the champion ------------------------------------------------------------------------------------

    public Optional<Champion> champion() throws IOException {
        Optional<String> text = AtomicFile.read(storage, resolve(CHAMPION));
        return text.isEmpty() ? Optional.empty() : Optional.of(JSON.readValue(text.get(), Champion.class));
    }

    /** Replaces the champion alias in one step. */
    public void setChampion(Champion c) throws IOException {
        AtomicFile.replace(storage, resolve(CHAMPION), JSON.writeValueAsString(c));
    }

    // --- history -----------------------------------------------------------------------------------------

    /** Every event, in order. */
    public List<Event> history() throws IOException {
        List<Event> out = new ArrayList<>();
        for (String file : names(resolve(HISTORY), EVENT, false)) {
            out.add(JSON.readValue(storage.readString(new Path(resolve(HISTORY), file)), Event.class));
        }
        out.sort(Comparator.comparingInt(Event::seq));
        return out;
    }

    /** Appends an event (numbered after the last one) and returns it. */
    public Event log(String time, String kind, String version, String outcome, String detail, String by) throws IOException {
        List<Event> all = history();
        int seq = all.isEmpty() ? 1 : all.get(all.size() - 1).seq() + 1;
        Event e = new Event(seq, time, kind, version, outcome, detail, by);
        AtomicFile.replace(storage, new Path(resolve(HISTORY), String.format(Locale.ROOT, "%06d.json", seq)),
                JSON.writeValueAsString(e));
        return e;
    }

    /** Logs that data version {@code d} was recorded. */
    public Event logData(DataVersion d) throws IOException {
        return log(d.created(), "data", d.name(), null, describe(d), "pipeline");
    }

    /** Logs a version's decision. */
    public Event logDecision(VersionRecord r) throws IOException {
        return log(r.decision().time(), "decision", r.version(), r.decision().outcome(), r.decision().reason(), r.decision().by());
    }

    /** Logs that {@code c} became champion (its time is {@link Champion#since()}, which identifies the event). */
    public Event logChampion(Champion c) throws IOException {
        String detail = "champion " + c.version() + (c.previous() == null ? " (the first)" : " (was " + c.previous() + ")")
                + (c.embeddings() == null ? ", no collection configured" : ", embeddings " + new Path(c.embeddings()).getName());
        return log(c.since(), "champion", c.version(), c.how(), detail, c.by());
    }

    /**
     * Logs the events a run that stopped between writing a record and logging it left out (a data version, a decision,
     * the champion alias); returns them.
     */
    public List<Event> reconcile() throws IOException {
        List<Event> history = history();
        List<Event> added = new ArrayList<>();
        for (DataVersion d : dataVersions()) {
            if (missing(history, "data", d.name(), d.created())) added.add(logData(d));
        }
        for (VersionRecord r : versions()) {
            if (missing(history, "decision", r.version(), r.decision().time())) added.add(logDecision(r));
        }
        Optional<Champion> c = champion();
        if (c.isPresent() && missing(history, "champion", c.get().version(), c.get().since())) added.add(logChampion(c.get()));
        return added;
    }

    private static boolean missing(List<Event> history, String kind, String version, String time) {
        return history.stream().noneMatch(e -> e.kind().equals(kind) && e.version().equals(version) && e.time().equals(time));
    }

    /**
     * The versions made champion by the pipeline or a person and not rolled back since, oldest first (the last is the
     * champion): what {@code registry rollback} goes back through.
     */
    public List<String> championStack() throws IOException {
        List<String> stack = new ArrayList<>();
        for (Event e : history()) {
            if (!e.kind().equals("champion")) continue;
            if ("rollback".equals(e.outcome())) {
                if (!stack.isEmpty()) stack.remove(stack.size() - 1);
                if (stack.isEmpty() || !stack.get(stack.size() - 1).equals(e.version())) stack.add(e.version());
            } else {
                stack.add(e.version());
            }
        }
        return stack;
    }

    /** One line for a data version: sizes and what changed. */
    public static String describe(DataVersion d) {
        StringBuilder sb = new StringBuilder();
        sb.append(d.images().values().stream().mapToInt(Integer::intValue).sum()).append(" images (");
        sb.append(String.join(", ", d.images().entrySet().stream().map(e -> e.getKey() + " " + e.getValue()).toList()));
        sb.append("), ").append(d.trainIdentities()).append(" training identities; ");
        sb.append(change("+", d.added())).append(", ").append(change("-", d.removed()));
        sb.append(d.parent() == null ? " (the first version)" : " since " + d.parent());
        return sb.toString();
    }

    private static String change(String sign, Map<String, Object> c) {
        String s = sign + c.get("images") + " images";
        Object ids = c.get("trainIdentities");
        if (ids instanceof List<?> l && !l.isEmpty()) {
            s += " (" + l.size() + (sign.equals("+") ? " new" : " gone") + " training identities)";
        }
        return s;
    }

    /** Writes a JSON document (a run's status) in one step. */
    public void writeJson(Path p, Object value) throws IOException {
        AtomicFile.replace(storage, p, JSON.writeValueAsString(value));
    }

    /** The names in {@code dir} matching {@code pattern}, sorted; folders ({@code dirs}) or files. */
    private List<String> names(Path dir, Pattern pattern, boolean dirs) throws IOException {
        FileSystem fs = storage.fs(dir);
        List<String> out = new ArrayList<>();
        if (!fs.exists(dir)) return out;
        for (FileStatus st : fs.listStatus(dir)) {
            Matcher m = pattern.matcher(st.getPath().getName());
            if (m.matches() && st.isDirectory() == dirs) out.add(st.getPath().getName());
        }
        out.sort(null);
        return out;
    }
}
