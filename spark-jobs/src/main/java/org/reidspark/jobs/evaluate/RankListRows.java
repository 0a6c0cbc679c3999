package org.reidspark.jobs.evaluate;

import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.reidspark.artifact.Storage;
import org.reidspark.eval.RankListTable;
import org.reidspark.eval.RankLists;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The rank lists of an evaluation as Spark rows ({@code rank-list.parquet}, {@code rank-list.csv}) of core's
 * {@link RankListTable}: one row per query and listed gallery item, by query (manifest order) then position:
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
        for (Object[] values : RankListTable.rows(lists, items(query), items(gallery))) rows.add(RowFactory.create(values));
        return rows;
    }

    /** The embedded images as the rank-list table's items (key and sample). */
    public static List<RankListTable.Item> items(List<SparkEmbedding.Embedded> embedded) {
        return embedded.stream().map(e -> new RankListTable.Item(e.key(), e.sample())).toList();
    }

    /** Writes {@code rows} as one CSV file with a header ({@link RankListTable#writeCsv}). */
    public static void writeCsv(Storage storage, Path file, List<Row> rows) throws IOException {
        List<Object[]> values = new ArrayList<>(rows.size());
        for (Row r : rows) {
            Object[] v = new Object[r.length()];
            for (int i = 0; i < v.length; i++) v[i] = r.get(i);
            values.add(v);
        }
        RankListTable.writeCsv(storage, file, List.of(SCHEMA.fieldNames()), values);
    }
}
