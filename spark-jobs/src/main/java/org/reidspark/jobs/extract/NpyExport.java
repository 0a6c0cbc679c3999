package org.reidspark.jobs.extract;

import org.apache.hadoop.fs.Path;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.ParquetReader;
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
import java.util.List;

/**
 * The complete output's last pass, one Spark task per partition: each part's rows as its Parquet footers count them
 * (the job checks that they add up to its input) and, unless {@code reid.extract.npy = false}, the embeddings once
 * more as NumPy arrays, for readers without a Parquet library (Debian's Python has none: the notebooks read these):
 * for each {@code embeddings.parquet/part-<k>.parquet}, {@value #FOLDER}{@code /part-<k>.npy} (float32, rows x dims,
 * rows in the part's order) and {@code part-<k>.csv} (header {@code uri}, one line per row), streaming
 * ({@link EmbeddingRows#reader}), written under hidden names and renamed, so a part is either whole or absent.
 * One pass for both (the counts were two Spark jobs of their own before; docs/performance.md).
 */
final class NpyExport {
    static final String FOLDER = "embeddings-npy";

    private NpyExport() {
    }

    /**
     * Counts the rows of every part of the complete output in {@code work} and, with {@code npy}, exports each part;
     * returns the sums, {embeddings, unreadable images}.
     */
    static long[] run(JavaSparkContext jsc, Path work, int partitions, boolean npy) {
        List<Integer> parts = new ArrayList<>();
        for (int k = 0; k < partitions; k++) parts.add(k);
        String dir = work.toString();
        // the executor's own Hadoop settings: no credentials in the closure
        return jsc.parallelize(parts, Math.max(1, parts.size()))
                .map(k -> part(ExecutorHadoop.storage(), new Path(dir), k, npy))
                .fold(new long[2], (a, b) -> new long[]{a[0] + b[0], a[1] + b[1]});
    }

    /**
     * Partition {@code k}'s rows, {embeddings, unreadable images}, from its two footers; with {@code npy}, its
     * {@code .npy} and {@code .csv} written.
     */
    static long[] part(Storage storage, Path work, int k, boolean npy) throws IOException {
        Path parquet = ExtractFiles.embeddings(work, k);
        long rows = rows(storage, parquet);
        long unreadable = rows(storage, ExtractFiles.unreadable(work, k));
        if (npy) export(storage, work, k, parquet, rows);
        return new long[]{rows, unreadable};
    }

    private static long rows(Storage storage, Path parquet) throws IOException {
        try (ParquetFileReader footer = ParquetFileReader.open(HadoopInputFile.fromPath(parquet, storage.hadoop()))) {
            return footer.getRecordCount();
        }
    }

    /** Writes partition {@code k}'s {@code .npy} and {@code .csv} from its Parquet part of {@code rows} rows. */
    private static void export(Storage storage, Path work, int k, Path parquet, long rows) throws IOException {
        Path folder = new Path(work, FOLDER);
        Path npy = new Path(folder, ExtractFiles.part(k) + ".npy");
        Path csv = new Path(folder, ExtractFiles.part(k) + ".csv");
        Path npyTmp = new Path(folder, "." + npy.getName() + ".tmp");
        Path csvTmp = new Path(folder, "." + csv.getName() + ".tmp");
        try (ParquetReader<EmbeddingRows.Embedded> reader = EmbeddingRows.reader(storage, parquet);
             OutputStream npyOut = storage.fs(npyTmp).create(npyTmp, true);
             Writer csvOut = new BufferedWriter(new OutputStreamWriter(storage.fs(csvTmp).create(csvTmp, true), StandardCharsets.UTF_8))) {
            csvOut.write("uri\n");
            NpyWriter out = null;
            long written = 0;
            for (EmbeddingRows.Embedded e = reader.read(); e != null; e = reader.read()) {
                float[] v = e.embedding();
                if (out == null) out = NpyWriter.open(npyOut, npy.toString(), NpyHeader.DType.FLOAT32, rows, v.length);
                out.write(v, 0, v.length);
                csvOut.write(ShardSummary.csv(e.uri()));
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
