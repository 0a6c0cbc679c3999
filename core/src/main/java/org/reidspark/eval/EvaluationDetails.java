package org.reidspark.eval;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import org.apache.hadoop.fs.Path;
import org.reidspark.artifact.Storage;
import org.reidspark.data.Sample;

import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * An evaluation with what a report and a notebook read beyond its metrics, all from the one blockwise pass the metrics
 * come from: the top-k rank lists ({@link RankLists}), each query's average precision and first-match rank
 * ({@link QueryOutcomes}), and the mAP per camera pair ({@link CameraPairs}, one more pass). {@link #write} puts them
 * into an artifact directory beside its {@code metrics.json}:
 * <ul>
 *   <li>{@value #RANK_LIST_CSV}: {@link RankListTable}'s columns;</li>
 *   <li>{@value #QUERIES_CSV}: one row per query, {@link #QUERY_COLUMNS}: key, uri, pid, camid, clothes, valid (has a
 *       true match), ap (0 when not valid), first_match_rank (junk removed; 0 when not valid);</li>
 *   <li>{@value #CAMERA_PAIRS}: {@link CameraPairs#toMap()}.</li>
 * </ul>
 */
public final class EvaluationDetails {
    public static final String RANK_LIST_CSV = "rank-list.csv";
    public static final String QUERIES_CSV = "queries.csv";
    public static final String CAMERA_PAIRS = "camera-pairs.json";
    public static final List<String> QUERY_COLUMNS = List.of("query_key", "query_uri", "query_pid", "query_camid",
            "query_clothes", "valid", "ap", "first_match_rank");
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final RankingMetrics metrics;
    private final RankLists lists;
    private final QueryOutcomes outcomes;
    private final CameraPairs pairs;
    private final List<RankListTable.Item> query;
    private final List<RankListTable.Item> gallery;

    /**
     * The pieces of an evaluation made elsewhere (the evaluate job): {@code lists} may be null (no rank lists), the
     * others not.
     */
    public EvaluationDetails(RankingMetrics metrics, RankLists lists, QueryOutcomes outcomes, CameraPairs pairs,
                             List<RankListTable.Item> query, List<RankListTable.Item> gallery) {
        if (outcomes.queries() != query.size()) {
            throw new IllegalArgumentException(outcomes.queries() + " query outcomes for " + query.size() + " queries");
        }
        this.metrics = metrics;
        this.lists = lists;
        this.outcomes = outcomes;
        this.pairs = pairs;
        this.query = List.copyOf(query);
        this.gallery = List.copyOf(gallery);
    }

    /**
     * Evaluates {@code query} (rows in the order of {@code queryItems}) against {@code gallery} with a method's
     * {@code matching} rule under {@code config}, keeping the top-{@code topK} rank lists (0 = none), the per-query
     * outcomes and the per-camera-pair mAP. The metrics are those {@link Evaluator} gives for the same features.
     */
    public static EvaluationDetails compute(TestFeatures query, TestFeatures gallery, Matching matching,
                                            List<RankListTable.Item> queryItems, List<RankListTable.Item> galleryItems,
                                            EvalConfig config, int topK) {
        Labels ql = Labels.of("query", samples(queryItems));
        Labels gl = Labels.of("gallery", samples(galleryItems));
        RankLists lists = topK > 0 ? new RankLists(ql, gl, config.protocol(), topK, config.threads()) : null;
        QueryOutcomes outcomes = new QueryOutcomes(ql.size());
        RankingMetrics metrics = Evaluator.evaluate(query, gallery, matching, ql, gl, config, lists, outcomes);
        return new EvaluationDetails(metrics, lists, outcomes, CameraPairs.of(query, gallery, matching, ql, gl, config),
                queryItems, galleryItems);
    }

    /** Items whose keys are their positions in {@code samples} (a list in manifest order). */
    public static List<RankListTable.Item> items(List<Sample> samples, java.util.function.ToLongFunction<Sample> key) {
        List<RankListTable.Item> out = new ArrayList<>(samples.size());
        for (Sample s : samples) out.add(new RankListTable.Item(key.applyAsLong(s), s));
        return out;
    }

    public RankingMetrics metrics() {
        return metrics;
    }

    /** The rank lists, or null when none were kept. */
    public RankLists rankLists() {
        return lists;
    }

    public QueryOutcomes outcomes() {
        return outcomes;
    }

    public CameraPairs cameraPairs() {
        return pairs;
    }

    /** Writes {@value #RANK_LIST_CSV} (when rank lists were kept), {@value #QUERIES_CSV} and {@value #CAMERA_PAIRS} into {@code dir}. */
    public void write(Storage storage, Path dir) throws IOException {
        if (lists != null) {
            RankListTable.writeCsv(storage, new Path(dir, RANK_LIST_CSV), RankListTable.COLUMNS,
                    RankListTable.rows(lists, query, gallery));
        }
        writeQueriesAndPairs(storage, dir);
    }

    /** Writes {@value #QUERIES_CSV} and {@value #CAMERA_PAIRS} into {@code dir} (the evaluate job writes its rank lists itself). */
    public void writeQueriesAndPairs(Storage storage, Path dir) throws IOException {
        List<Object[]> rows = new ArrayList<>(query.size());
        for (int q = 0; q < query.size(); q++) {
            RankListTable.Item it = query.get(q);
            Sample s = it.sample();
            rows.add(new Object[] {it.key(), s.uri(), s.pid(), s.camid(), s.clothes(), outcomes.valid(q),
                    outcomes.averagePrecision(q), outcomes.firstMatchRank(q)});
        }
        RankListTable.writeCsv(storage, new Path(dir, QUERIES_CSV), QUERY_COLUMNS, rows);
        Path p = new Path(dir, CAMERA_PAIRS);
        try (OutputStream out = storage.fs(p).create(p, true)) {
            JSON.writeValue(out, pairs.toMap());
        }
    }

    private static List<Sample> samples(List<RankListTable.Item> items) {
        return items.stream().map(RankListTable.Item::sample).toList();
    }
}
