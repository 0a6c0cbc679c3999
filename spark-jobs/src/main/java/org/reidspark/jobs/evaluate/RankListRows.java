package org.reidspark.jobs.evaluate;

import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.reidspark.artifact.Storage;
import org.reidspark.data.Sample;
import org.reidspark.data.shard.ShardSummary;
import org.reidspark.eval.RankLists;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The rank lists of an evaluation as rows ({@code rank-list.parquet}, {@code rank-list.csv}): one row per query and
 * listed gallery item, by query (manifest order) then position:
 * {@code query_key, query_uri, query_pid, query_camid, query_clothes} (the query; key = its index in the dataset's
 * manifest), {@code position} (1-based, junk included), {@code rank} (1-based with junk removed, the rank the
 * metrics use; null for junk), {@code gallery_key, gallery_uri, gallery_pid, gallery_camid, gallery_clothes},
 * {@code distance} (after re-ranking when it is on), {@code match} (a true match under the protocol) and
 * {@code junk} (the query's own person but not a true match: ignored by the metrics). Clothes ids are -1 where the
 * dataset has none.
 */
public final class RankListRows {
    public static final StructType SCHEMA = DataTypes.createStructType(new StructField[]{
            DataTypes.createStructField("query_key", DataTypes.LongType, false),
            DataTypes.createStructField("query_uri", DataTypes.StringType, false),
            DataTypes.createStructField("query_pid", DataTypes.IntegerType, false),
            DataTypes.createStructField("query_camid", DataTypes.IntegerType, false),
            DataTypes.createStructField("query_clothes", DataTypes.IntegerType, false),
            DataTypes.createStructField("position", DataTypes.IntegerType, false),
            DataTypes.createStructField("rank", DataTypes.IntegerType, true),
            DataTypes.createStructField("gallery_key", DataTypes.LongType, false),
            DataTypes.createStructField("gallery_uri", DataTypes.StringType, false),
            DataTypes.createStructField("gallery_pid", DataTypes.IntegerType, false),
            DataTypes.createStructField("gallery_camid", DataTypes.IntegerType, false),
            DataTypes.createStructField("gallery_clothes", DataTypes.IntegerType, false),
            DataTypes.createStructField("distance", DataTypes.FloatType, false),
            DataTypes.createStructField("match", DataTypes.BooleanType, false),
            DataTypes.createStructField("junk", DataTypes.BooleanType, false)});

    private RankListRows() {
    }

    /** The rows of {@code lists}, whose queries and gallery are {@code query} and {@code gallery} in that order. */
    public static List<Row> rows(RankLists lists, List<SparkEmbedding.Embedded> query, List<SparkEmbedding.Embedded> gallery) {
        List<Row> rows = new ArrayList<>(lists.queries() * lists.k());
        for (int q = 0; q < lists.queries(); q++) {
            SparkEmbedding.Embedded qe = query.get(q);
            Sample qs = qe.sample();
            for (RankLists.Entry e : lists.entries(q)) {
                SparkEmbedding.Embedded ge = gallery.get(e.galleryIndex());
                Sample gs = ge.sample();
                rows.add(RowFactory.create(qe.key(), qs.uri(), qs.pid(), qs.camid(), qs.clothes(), e.position(),
                        e.junk() ? null : e.rank(), ge.key(), gs.uri(), gs.pid(), gs.camid(), gs.clothes(), e.distance(),
                        e.match(), e.junk()));
            }
        }
        return rows;
    }

    /** Writes {@code rows} as one CSV file with a header (RFC 4180 quoting; an empty field for a null rank). */
    public static void writeCsv(Storage storage, Path file, List<Row> rows) throws IOException {
        try (Writer w = new BufferedWriter(new OutputStreamWriter(storage.fs(file).create(file, true), StandardCharsets.UTF_8))) {
            w.write(String.join(",", SCHEMA.fieldNames()));
            w.write('\n');
            StringBuilder sb = new StringBuilder();
            for (Row r : rows) {
                sb.setLength(0);
                for (int i = 0; i < r.length(); i++) {
                    if (i > 0) sb.append(',');
                    Object v = r.get(i);
                    if (v != null) sb.append(ShardSummary.csv(v.toString()));
                }
                sb.append('\n');
                w.write(sb.toString());
            }
        }
    }
}
