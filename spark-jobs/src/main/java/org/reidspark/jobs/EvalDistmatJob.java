package org.reidspark.jobs;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.Path;
import org.reidspark.artifact.Storage;
import org.reidspark.eval.DistanceBlocks;
import org.reidspark.eval.Embeddings;
import org.reidspark.eval.EvalConfig;
import org.reidspark.eval.Labels;
import org.reidspark.eval.LabelsCsv;
import org.reidspark.eval.RankingEvaluator;
import org.reidspark.eval.RankingMetrics;
import org.reidspark.eval.rerank.CombinedDistances;
import org.reidspark.eval.rerank.FeatureDistances;
import org.reidspark.eval.rerank.KReciprocalReranker;
import org.reidspark.eval.rerank.MatrixDistances;
import org.reidspark.io.NpyHeader;
import org.reidspark.io.NpyReader;
import org.reidspark.io.NpyWriter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code eval-distmat}: ranking metrics (CMC, mAP, mINP) of a query x gallery distance matrix ({@code .npy}) or of
 * query and gallery embeddings ({@code .npy}), with pids and camera ids (and clothes ids) from CSV files, under a
 * protocol; optionally k-reciprocal re-ranking first. Writes {@code metrics.json}. Runs without Spark: the matrix
 * is streamed in row blocks ({@code reid.eval.block-mb}), never held whole unless re-ranking needs it.
 */
public final class EvalDistmatJob implements Job {
    private static final Logger LOG = LoggerFactory.getLogger(EvalDistmatJob.class);
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    @Override
    public String name() {
        return "eval-distmat";
    }

    @Override
    public String summary() {
        return "CMC, mAP and mINP of a distance matrix or embeddings (.npy) with pid/camid CSVs; optional re-ranking";
    }

    @Override
    public List<JobOption> options() {
        return List.of(
                JobOption.plain("--distmat", "D.npy", "query x gallery distances, float32 or float64 (rows = queries)"),
                JobOption.plain("--query-features", "F.npy", "query embeddings (rows = queries), instead of --distmat"),
                JobOption.plain("--gallery-features", "F.npy", "gallery embeddings (rows = gallery images)"),
                JobOption.plain("--query", "Q.csv", "query labels: header pid,camid[,clothes], one line per row"),
                JobOption.plain("--gallery", "G.csv", "gallery labels: header pid,camid[,clothes], one line per column"),
                JobOption.plain("--output", "metrics.json", "where to write the metrics (local path or URI)"),
                JobOption.config("--protocol", "NAME", "reid.eval.protocol",
                        "standard | clothes-changing | same-clothes | single-gallery-shot"),
                JobOption.config("--max-rank", "N", "reid.eval.max-rank", "CMC length (capped at the gallery size)"),
                JobOption.config("--metric", "NAME", "reid.eval.metric", "cosine | euclidean (with embeddings)"),
                new JobOption("--rerank", null, "reid.eval.rerank.enabled", "k-reciprocal re-ranking before the metrics"),
                JobOption.plain("--qq", "QQ.npy", "query x query distances (re-ranking a --distmat)"),
                JobOption.plain("--gg", "GG.npy", "gallery x gallery distances (re-ranking a --distmat)"),
                JobOption.config("--k1", "N", "reid.eval.rerank.k1", "re-ranking k1"),
                JobOption.config("--k2", "N", "reid.eval.rerank.k2", "re-ranking k2"),
                JobOption.config("--lambda", "X", "reid.eval.rerank.lambda", "re-ranking lambda"),
                JobOption.plain("--rerank-output", "final.npy", "also write the re-ranked distances (float32)"),
                JobOption.config("--threads", "N", "reid.eval.threads", "threads (0 = all processors)"));
    }

    @Override
    public int run(JobContext ctx) throws Exception {
        JobArgs a = ctx.args();
        EvalConfig cfg = EvalConfig.from(ctx.config());
        String output = a.require(this, "--output");
        String queryCsv = a.require(this, "--query");
        String galleryCsv = a.require(this, "--gallery");
        boolean matrix = a.has("--distmat");
        boolean features = a.has("--query-features") || a.has("--gallery-features");
        if (matrix == features) {
            throw new UsageError("job " + name() + " needs either --distmat D.npy or both --query-features and"
                    + " --gallery-features (see submit/reid " + name() + " --help)");
        }
        if (!cfg.rerank() && (a.has("--qq") || a.has("--gg") || a.has("--rerank-output"))) {
            throw new UsageError("--qq, --gg and --rerank-output go with --rerank");
        }
        if (features && (a.has("--qq") || a.has("--gg"))) {
            throw new UsageError("--qq and --gg go with --distmat; with embeddings those distances are computed");
        }
        Storage storage = ctx.storage();
        Labels query = readLabels(storage, queryCsv);
        Labels gallery = readLabels(storage, galleryCsv);
        LOG.info("{}: {} queries from {}, {} gallery images from {}, protocol {}", name(), query.size(), queryCsv,
                gallery.size(), galleryCsv, cfg.protocol());

        Map<String, Object> source = new LinkedHashMap<>();
        String what;
        if (matrix) {
            what = (cfg.rerank() ? "re-ranked " : "") + "distance matrix " + a.require(this, "--distmat");
            source.put("distmat", a.require(this, "--distmat"));
        } else {
            what = (cfg.rerank() ? "re-ranked " : "") + cfg.metric() + " distances of "
                    + a.require(this, "--query-features") + " to " + a.require(this, "--gallery-features");
            source.put("queryFeatures", a.require(this, "--query-features"));
            source.put("galleryFeatures", a.require(this, "--gallery-features"));
            source.put("metric", cfg.metric().configName());
        }
        source.put("query", queryCsv);
        source.put("gallery", galleryCsv);
        RankingEvaluator evaluator = new RankingEvaluator(query, gallery, cfg.rankingOptions(), what);
        long start = System.nanoTime();
        if (cfg.rerank()) {
            CombinedDistances src = matrix ? matrixSource(storage, a, evaluator, query, gallery)
                    : featureSource(storage, a, cfg, query, gallery);
            rerank(storage, a, cfg, src, evaluator);
            source.put("rerank", Map.of("k1", cfg.rerankParams().k1(), "k2", cfg.rerankParams().k2(),
                    "lambda", cfg.rerankParams().lambda()));
        } else if (matrix) {
            streamMatrix(storage, a.require(this, "--distmat"), evaluator, cfg.blockBytes());
        } else {
            Embeddings q = readEmbeddings(storage, a.require(this, "--query-features"), "query features", query);
            Embeddings g = readEmbeddings(storage, a.require(this, "--gallery-features"), "gallery features", gallery);
            new DistanceBlocks(q, g, cfg.metric()).forEachRowBlock(cfg.blockBytes(),
                    (r0, n, data) -> evaluator.accept(r0, n, data, 0));
        }
        RankingMetrics metrics = evaluator.result();
        double seconds = (System.nanoTime() - start) / 1e9;
        Map<String, Object> json = metrics.toMap();
        json.put("maxRank", cfg.maxRank());
        if (cfg.protocol() == org.reidspark.eval.Protocol.SINGLE_GALLERY_SHOT) {
            json.put("repeats", cfg.repeats());
            json.put("seed", cfg.seed());
        }
        json.put("source", source);
        json.put("seconds", seconds);
        Path out = Storage.path(output);
        try (OutputStream os = create(storage, out)) {
            JSON.writeValue(os, json);
        }
        LOG.info("{}: {} in {} s; metrics written to {}", name(), metrics.summary(), String.format("%.2f", seconds), out);
        ctx.out().println(metrics.summary());
        return 0;
    }

    private static Labels readLabels(Storage storage, String location) throws IOException {
        try (InputStream in = open(storage, location, "labels file")) {
            return LabelsCsv.read(in, location);
        }
    }

    private static InputStream open(Storage storage, String location, String what) throws IOException {
        Path p = Storage.path(location);
        FileSystem fs = storage.fs(p);
        if (!fs.exists(p)) throw new FileNotFoundException(what + " " + location + ": file not found");
        if (fs.getFileStatus(p).isDirectory()) throw new IOException(what + " " + location + ": is a directory, not a file");
        return fs.open(p);
    }

    /** A new file; local outputs get no Hadoop {@code .crc} side files. */
    private static OutputStream create(Storage storage, Path p) throws IOException {
        FileSystem fs = storage.fs(p);
        if (fs instanceof LocalFileSystem local) return local.getRaw().create(p, true);
        return fs.create(p, true);
    }

    private static NpyHeader header(Storage storage, String location, String what) throws IOException {
        try (InputStream in = open(storage, location, what)) {
            return NpyReader.readHeader(new java.io.BufferedInputStream(in), location);
        }
    }

    private static void streamMatrix(Storage storage, String location, RankingEvaluator evaluator, long blockBytes)
            throws IOException {
        try (NpyReader r = NpyReader.open(open(storage, location, "distance matrix"), location)) {
            int[] shape = r.header().requireMatrix("distance matrix");
            evaluator.checkShape(shape[0], shape[1]);
            int ng = shape[1];
            boolean wide = r.header().dtype() == NpyHeader.DType.FLOAT64;
            int per = (int) Math.max(1, Math.min(shape[0], blockBytes / ((long) r.header().dtype().bytes() * Math.max(1, ng))));
            float[] f = wide ? null : new float[per * ng];
            double[] d = wide ? new double[per * ng] : null;
            for (int r0 = 0; r0 < shape[0]; r0 += per) {
                int n = Math.min(per, shape[0] - r0);
                if (wide) {
                    r.readDoubles(d, 0, n * ng);
                    evaluator.accept(r0, n, d, 0);
                } else {
                    r.readFloats(f, 0, n * ng);
                    evaluator.accept(r0, n, f, 0);
                }
            }
        }
    }

    private static float[] readSquares(Storage storage, String location, String what, int rows, int cols) throws IOException {
        try (NpyReader r = NpyReader.open(open(storage, location, what), location)) {
            int[] shape = r.header().requireMatrix(what);
            if (shape[0] != rows || shape[1] != cols) {
                throw new IllegalArgumentException(what + " " + location + " is " + shape[0] + " x " + shape[1]
                        + ", expected " + rows + " x " + cols);
            }
            float[] sq = new float[Math.multiplyExact(rows, cols)];
            r.readSquares(sq, 0, sq.length);
            return sq;
        }
    }

    private CombinedDistances matrixSource(Storage storage, JobArgs a, RankingEvaluator evaluator, Labels query,
                                           Labels gallery) throws IOException {
        if (!a.has("--qq") || !a.has("--gg")) {
            throw new UsageError("re-ranking a --distmat needs --qq QQ.npy (query x query) and --gg GG.npy"
                    + " (gallery x gallery) distances");
        }
        String d = a.require(this, "--distmat");
        int[] shape = header(storage, d, "distance matrix").requireMatrix("distance matrix");
        evaluator.checkShape(shape[0], shape[1]);
        int nq = query.size();
        int ng = gallery.size();
        float[] qg = readSquares(storage, d, "distance matrix", nq, ng);
        float[] qq = readSquares(storage, a.require(this, "--qq"), "query x query distances", nq, nq);
        String gg = a.require(this, "--gg");
        int[] ggShape = header(storage, gg, "gallery x gallery distances").requireMatrix("gallery x gallery distances");
        if (ggShape[0] != ng || ggShape[1] != ng) {
            throw new IllegalArgumentException("gallery x gallery distances " + gg + " is " + ggShape[0] + " x " + ggShape[1]
                    + ", expected " + ng + " x " + ng + " (" + gallery.source() + " lists " + ng + " gallery images)");
        }
        return new MatrixDistances(qg, qq, MatrixDistances.streamed(gg, () -> open(storage, gg, "gallery x gallery distances"), ng),
                nq, ng, "distances " + d + ", " + a.require(this, "--qq") + ", " + gg);
    }

    private CombinedDistances featureSource(Storage storage, JobArgs a, EvalConfig cfg, Labels query, Labels gallery)
            throws IOException {
        Embeddings q = readEmbeddings(storage, a.require(this, "--query-features"), "query features", query);
        Embeddings g = readEmbeddings(storage, a.require(this, "--gallery-features"), "gallery features", gallery);
        return new FeatureDistances(q, g, cfg.metric(), cfg.threads());
    }

    private static Embeddings readEmbeddings(Storage storage, String location, String what, Labels labels) throws IOException {
        try (NpyReader r = NpyReader.open(open(storage, location, what), location)) {
            int[] shape = r.header().requireMatrix(what);
            if (shape[0] != labels.size()) {
                throw new IllegalArgumentException(what + " " + location + " has " + shape[0] + " rows but "
                        + labels.source() + " lists " + labels.size() + " images");
            }
            return Embeddings.of(location, r.readAllFloats(), shape[0], shape[1]);
        }
    }

    private void rerank(Storage storage, JobArgs a, EvalConfig cfg, CombinedDistances src, RankingEvaluator evaluator)
            throws IOException {
        KReciprocalReranker reranker = cfg.reranker();
        String finalPath = a.plain("--rerank-output").orElse(null);
        int ng = src.gallery();
        if (finalPath == null) {
            reranker.rerank(src, (q0, n, data) -> evaluator.accept(q0, n, data, 0));
            return;
        }
        try (NpyWriter w = NpyWriter.open(create(storage, Storage.path(finalPath)), finalPath, NpyHeader.DType.FLOAT32,
                src.queries(), ng)) {
            reranker.rerank(src, (q0, n, data) -> {
                evaluator.accept(q0, n, data, 0);
                w.write(data, 0, n * ng);
            });
        }
        LOG.info("re-ranked distances written to {}", finalPath);
    }
}
