package org.reidspark.jobs.extract;

import org.apache.hadoop.fs.Path;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.apache.spark.api.java.JavaSparkContext;
import org.reidspark.artifact.Storage;
import org.reidspark.jobs.ExecutorHadoop;
import org.reidspark.jobs.PartitionedWork;
import org.reidspark.data.shard.ShardSummary;
import org.reidspark.io.NpyHeader;
import org.reidspark.io.NpyReader;
import org.reidspark.io.NpyWriter;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.List;

/**
 * The embeddings as NumPy arrays too, for readers without a Parquet library (Debian's Python has none: the notebooks
 * read these): for each {@code embeddings.parquet/part-<k>.parquet}, {@value #FOLDER}{@code /part-<k>.npy} (float32,
 * rows x dims, rows in the part's order) and {@code part-<k>.csv} (header {@code uri}, one line per row), written under
 * hidden names and renamed, so a part is either whole or absent. Each extract task writes its own part's pair from
 * the rows it holds ({@link #write}, before its partition is marked complete; docs/performance.md: reading the rows
 * back took most of the job's time outside its stage). The complete output's last pass ({@link #run}, one Spark task
 * per partition, for the partitions whose task did not run in this attempt or did not write its pair) counts each
 * part's rows from its Parquet footers (the job checks that all parts add up to its input) and writes, reading the
 * Parquet part back ({@link EmbeddingRows#reader}), any pair that is missing or whose {@code .npy} does not hold the
 * footer's row count: a part larger than a task buffers ({@code reid.extract.npy-buffer}), or a partition
 * completed by a run that did not write them.
 */
final class NpyExport {
    static final String FOLDER = "embeddings-npy";

    private NpyExport() {
    }

    /**
     * Counts the rows of the complete output's {@code parts} in {@code work} and, with {@code npy}, exports each of them
     * whose pair is missing or disagrees with its footer; returns the sums, {embeddings, unreadable images}.
     */
    static long[] run(JavaSparkContext jsc, Path work, List<Integer> parts, boolean npy) {
        String dir = work.toString();
        // the executor's own Hadoop settings: no credentials in the closure
        return jsc.parallelize(parts, Math.max(1, parts.size()))
                .map(k -> part(ExecutorHadoop.storage(), new Path(dir), k, npy))
                .fold(new long[2], (a, b) -> new long[]{a[0] + b[0], a[1] + b[1]});
    }

    /**
     * Partition {@code k}'s rows, {embeddings, unreadable images}, from its two footers; with {@code npy}, its
     * {@code .npy} and {@code .csv} written from the Parquet part unless both are there and the {@code .npy} holds the
     * footer's row count.
     */
    static long[] part(Storage storage, Path work, int k, boolean npy) throws IOException {
        Path parquet = ExtractFiles.embeddings(work, k);
        long rows = rows(storage, parquet);
        long unreadable = rows(storage, ExtractFiles.unreadable(work, k));
        if (npy && !written(storage, work, k, rows)) export(storage, work, k, parquet, rows);
        return new long[]{rows, unreadable};
    }

    /** Whether partition {@code k}'s {@code .csv} and {@code .npy} are there, the latter with {@code rows} rows. */
    private static boolean written(Storage storage, Path work, int k, long rows) throws IOException {
        Path npy = npy(work, k);
        if (!storage.exists(csv(work, k)) || !storage.exists(npy)) return false;
        try (java.io.InputStream in = storage.fs(npy).open(npy)) {
            long[] shape = NpyReader.readHeader(in, npy.toString()).shape();
            return shape.length == 2 && shape[0] == rows;
        } catch (org.reidspark.io.NpyFormatException e) {
            return false; // damaged: written again
        }
    }

    private static Path npy(Path work, int k) {
        return new Path(new Path(work, FOLDER), ExtractFiles.part(k) + ".npy");
    }

    private static Path csv(Path work, int k) {
        return new Path(new Path(work, FOLDER), ExtractFiles.part(k) + ".csv");
    }

    private static long rows(Storage storage, Path parquet) throws IOException {
        try (ParquetFileReader footer = ParquetFileReader.open(HadoopInputFile.fromPath(parquet, storage.hadoop()))) {
            return footer.getRecordCount();
        }
    }

    /** Writes partition {@code k}'s {@code .npy} and {@code .csv} from its Parquet part of {@code rows} rows. */
    private static void export(Storage storage, Path work, int k, Path parquet, long rows) throws IOException {
        try (ParquetReader<EmbeddingRows.Embedded> reader = EmbeddingRows.reader(storage, parquet)) {
            write(storage, work, k, reader::read, rows, parquet.toString(), PartitionedWork.attempt());
        }
    }

    /** Rows in order, one call each: the next row, or null after the last (as {@link ParquetReader#read}). */
    interface Rows {
        EmbeddingRows.Embedded next() throws IOException;

        /** {@code rows} in their order. */
        static Rows of(List<EmbeddingRows.Embedded> rows) {
            Iterator<EmbeddingRows.Embedded> it = rows.iterator();
            return () -> it.hasNext() ? it.next() : null;
        }
    }

    /**
     * Writes partition {@code k}'s {@code .npy} and {@code .csv} from {@code embedded}, which must hold {@code rows} rows
     * (else nothing is published and the call fails naming {@code source}): under hidden names of task attempt
     * {@code attempt}, then renamed (a failed attempt's hidden files are removed before the output is published).
     */
    static void write(Storage storage, Path work, int k, Rows embedded, long rows, String source, long attempt)
            throws IOException {
        Path npy = npy(work, k);
        Path csv = csv(work, k);
        // per task attempt, as the Parquet parts: a second attempt of the same partition writes files of its own
        Path npyTmp = ExtractFiles.temporary(npy, attempt);
        Path csvTmp = ExtractFiles.temporary(csv, attempt);
        try (OutputStream npyOut = storage.fs(npyTmp).create(npyTmp, true);
             Writer csvOut = new BufferedWriter(new OutputStreamWriter(storage.fs(csvTmp).create(csvTmp, true), StandardCharsets.UTF_8))) {
            csvOut.write("uri\n");
            NpyWriter out = null;
            long written = 0;
            for (EmbeddingRows.Embedded e = embedded.next(); e != null; e = embedded.next()) {
                float[] v = e.embedding();
                if (out == null) out = NpyWriter.open(npyOut, npy.toString(), NpyHeader.DType.FLOAT32, rows, v.length);
                out.write(v, 0, v.length);
                csvOut.write(ShardSummary.csv(e.uri()));
                csvOut.write('\n');
                written++;
            }
            if (out == null) NpyWriter.open(npyOut, npy.toString(), NpyHeader.DType.FLOAT32, 0, 0).close();
            else out.close();
            if (written != rows) throw new IOException(source + ": the footer counts " + rows + " rows, the file holds " + written);
        }
        ExtractFiles.commit(storage, npyTmp, npy);
        ExtractFiles.commit(storage, csvTmp, csv);
    }
}
