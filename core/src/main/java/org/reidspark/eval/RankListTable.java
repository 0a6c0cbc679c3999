package org.reidspark.eval;

import org.apache.hadoop.fs.Path;
import org.reidspark.artifact.Storage;
import org.reidspark.data.Sample;
import org.reidspark.data.shard.ShardSummary;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Rank lists as a table ({@code rank-list.csv}; the evaluate job also writes it as Parquet): one row per query and
 * listed gallery item, by query then position, with the columns {@link #COLUMNS}:
 * {@code query_key, query_uri, query_pid, query_camid, query_clothes} (the query; key = its index in the dataset's
 * manifest), {@code position} (1-based, junk included), {@code rank} (1-based with junk removed, the rank the
 * metrics use; null for junk), {@code gallery_key, gallery_uri, gallery_pid, gallery_camid, gallery_clothes},
 * {@code distance} (after re-ranking when it is on), {@code match} (a true match under the protocol) and
 * {@code junk} (the query's own person but not a true match: ignored by the metrics). Clothes ids are -1 where the
 * dataset has none.
 */
public final class RankListTable {
    public static final List<String> COLUMNS = List.of("query_key", "query_uri", "query_pid", "query_camid",
            "query_clothes", "position", "rank", "gallery_key", "gallery_uri", "gallery_pid", "gallery_camid",
            "gallery_clothes", "distance", "match", "junk");

    /** A query or gallery image: its key (index in the dataset's manifest) and its sample. */
    public record Item(long key, Sample sample) {
    }

    private RankListTable() {
    }

    /**
     * The rows of {@code lists} (values in the order of {@link #COLUMNS}: Long, String, Integer, ..., Float, Boolean),
     * whose queries and gallery are {@code query} and {@code gallery} in that order.
     */
    public static List<Object[]> rows(RankLists lists, List<Item> query, List<Item> gallery) {
        if (query.size() != lists.queries() || gallery.size() != lists.galleryLabels().size()) {
            throw new IllegalArgumentException("rank lists of " + lists.queries() + " queries x " + lists.galleryLabels().size()
                    + " gallery images, but " + query.size() + " query and " + gallery.size() + " gallery items");
        }
        List<Object[]> rows = new ArrayList<>(lists.queries() * lists.k());
        for (int q = 0; q < lists.queries(); q++) {
            Item qi = query.get(q);
            Sample qs = qi.sample();
            for (RankLists.Entry e : lists.entries(q)) {
                Item gi = gallery.get(e.galleryIndex());
                Sample gs = gi.sample();
                rows.add(new Object[] {qi.key(), qs.uri(), qs.pid(), qs.camid(), qs.clothes(), e.position(),
                        e.junk() ? null : e.rank(), gi.key(), gs.uri(), gs.pid(), gs.camid(), gs.clothes(), e.distance(),
                        e.match(), e.junk()});
            }
        }
        return rows;
    }

    /** Writes {@code rows} as one CSV file with a header (RFC 4180 quoting; an empty field for a null). */
    public static void writeCsv(Storage storage, Path file, List<String> columns, List<Object[]> rows) throws IOException {
        try (Writer w = new BufferedWriter(new OutputStreamWriter(storage.fs(file).create(file, true), StandardCharsets.UTF_8))) {
            w.write(String.join(",", columns));
            w.write('\n');
            StringBuilder sb = new StringBuilder();
            for (Object[] r : rows) {
                if (r.length != columns.size()) {
                    throw new IllegalArgumentException("a row of " + r.length + " values for " + columns.size() + " columns");
                }
                sb.setLength(0);
                for (int i = 0; i < r.length; i++) {
                    if (i > 0) sb.append(',');
                    if (r[i] != null) sb.append(ShardSummary.csv(r[i].toString()));
                }
                sb.append('\n');
                w.write(sb.toString());
            }
        }
    }
}
