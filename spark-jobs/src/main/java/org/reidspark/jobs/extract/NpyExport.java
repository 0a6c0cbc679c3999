package org.reidspark.jobs.extract;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.example.GroupReadSupport;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.apache.spark.api.java.JavaSparkContext;
import org.reidspark.artifact.Storage;
import org.reidspark.jobs.ExecutorHadoop;
import org.reidspark.data.shard.ShardSummary;
import org.reidspark.io.NpyHeader;
import org.reidspark.io.NpyWriter;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The embeddings once more as NumPy arrays, for readers without a Parquet library (Debian's Python has none: the
 * notebooks read these): for each {@code embeddings.parquet/part-<k>.parquet}, {@value #FOLDER}{@code /part-<k>.npy}
 * (float32, rows x dims, rows in the part's order) and {@code part-<k>.csv} (header {@code uri}, one line per row).
 * One Spark task per part, streaming (the row count comes from the Parquet footer); written under hidden names and
 * renamed, so a part is either whole or absent.
 */
final class NpyExport {
    static final String FOLDER = "embeddings-npy";

    private NpyExport() {
    }

    /** Exports every part of the complete output in {@code work}; each task writes its own two files. */
    static void run(JavaSparkContext jsc, Path work, int partitions) {
        List<Integer> parts = new ArrayList<>();
        for (int k = 0; k < partitions; k++) parts.add(k);
        String dir = work.toString();
        // the executor's own Hadoop settings: no credentials in the closure
        jsc.parallelize(parts, Math.max(1, parts.size())).foreach(k -> part(ExecutorHadoop.storage(), new Path(dir), k));
    }

    /** Writes partition {@code k}'s {@code .npy} and {@code .csv} from its Parquet part. */
    static void part(Storage storage, Path work, int k) throws IOException {
        Path parquet = ExtractFiles.embeddings(work, k);
        Configuration conf = storage.hadoop();
        long rows;
        try (ParquetFileReader footer = ParquetFileReader.open(HadoopInputFile.fromPath(parquet, conf))) {
            rows = footer.getRecordCount();
        }
        Path folder = new Path(work, FOLDER);
        Path npy = new Path(folder, ExtractFiles.part(k) + ".npy");
        Path csv = new Path(folder, ExtractFiles.part(k) + ".csv");
        Path npyTmp = new Path(folder, "." + npy.getName() + ".tmp");
        Path csvTmp = new Path(folder, "." + csv.getName() + ".tmp");
        try (ParquetReader<Group> reader = ParquetReader.builder(new GroupReadSupport(), parquet).withConf(conf).build();
             OutputStream npyOut = storage.fs(npyTmp).create(npyTmp, true);
             Writer csvOut = new BufferedWriter(new OutputStreamWriter(storage.fs(csvTmp).create(csvTmp, true), StandardCharsets.UTF_8))) {
            csvOut.write("uri\n");
            NpyWriter out = null;
            long written = 0;
            for (Group g = reader.read(); g != null; g = reader.read()) {
                Group list = g.getGroup("embedding", 0);
                float[] v = new float[list.getFieldRepetitionCount("list")];
                for (int i = 0; i < v.length; i++) v[i] = list.getGroup("list", i).getFloat("element", 0);
                if (out == null) out = NpyWriter.open(npyOut, npy.toString(), NpyHeader.DType.FLOAT32, rows, v.length);
                out.write(v, 0, v.length);
                csvOut.write(ShardSummary.csv(g.getString("uri", 0)));
                csvOut.write('\n');
                written++;
            }
            if (out == null) NpyWriter.open(npyOut, npy.toString(), NpyHeader.DType.FLOAT32, 0, 0).close();
            else out.close();
            if (written != rows) throw new IOException(parquet + ": the footer counts " + rows + " rows, the file holds " + written);
        }
        ExtractFiles.commit(storage, npyTmp, npy);
        ExtractFiles.commit(storage, csvTmp, csv);
    }
}
