package org.reidspark.jobs.evaluate;

import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.reidspark.data.Sample;
import org.reidspark.data.batch.LoaderConfig;
import org.reidspark.data.image.InputConfig;
import org.reidspark.data.shard.Shard;
import org.reidspark.embed.EmbedConfig;
import org.reidspark.embed.Embedder;
import org.reidspark.embed.TestNetwork;
import org.reidspark.eval.EvalConfig;
import org.reidspark.eval.Evaluator;
import org.reidspark.eval.Labels;
import org.reidspark.eval.RankLists;
import org.reidspark.eval.RankingMetrics;
import org.reidspark.eval.TestFeatures;
import org.reidspark.eval.baseline.ColorHistogramEmbedder;
import org.reidspark.eval.baseline.HistogramBaseline;
import org.reidspark.jobs.TaskGpu;
import org.reidspark.jobs.TaskThreads;
import org.reidspark.model.FloatMemory;
import org.reidspark.run.TestModel;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Embeds identity shards on the executors with a broadcast {@link TestModel} (the method's test network over its
 * trained networks, with the {@link Embedder}'s preprocessing) and evaluates query against gallery with the
 * method's matching rule in the evaluation engine on the driver (blockwise distances). On GPU executors each task
 * runs on the GPU Spark assigned to it ({@link TaskGpu}).
 */
public final class SparkEmbedding {
    /**
     * One embedded image: its test features, one row per array of the test network, in its order.
     */
    public record Embedded(long key, Sample sample, float[][] features) implements Serializable {
    }

    /** How images are turned into network input and embedded: the model's input, the job's loader and embed settings. */
    public record Settings(InputConfig input, LoaderConfig loader, EmbedConfig embed) implements Serializable {
    }

    private SparkEmbedding() {
    }

    /** Every image of {@code shards} embedded, ordered by key (manifest order). */
    public static List<Embedded> embed(JavaSparkContext jsc, JavaRDD<Shard> shards, TestModel model, Settings settings) {
        Broadcast<TestModel> shipped = jsc.broadcast(model);
        try {
            int tasks = shards.getNumPartitions();
            List<Embedded> all = new ArrayList<>(shards.mapPartitions((Iterator<Shard> it) -> {
                TaskGpu.bindTask();
                TaskThreads.apply(tasks);
                List<Embedded> out = new ArrayList<>();
                TestNetwork network = shipped.value().open();
                while (it.hasNext()) {
                    Shard shard = it.next();
                    Embedder embedder = new Embedder(network, settings.input(), shard.images(), settings.loader(),
                            settings.embed().batchSize(), settings.embed().flip());
                    TestFeatures f = embedder.embed("shard " + shard.id(), shard.samples());
                    List<String> names = network.arrays();
                    float[][][] values = new float[names.size()][][]; // [array][row][value]
                    for (int a = 0; a < values.length; a++) values[a] = FloatMemory.rows(f.get(names.get(a)).matrix());
                    for (int i = 0; i < shard.size(); i++) {
                        float[][] rows = new float[names.size()][];
                        for (int a = 0; a < rows.length; a++) rows[a] = values[a][i];
                        out.add(new Embedded(shard.key(i), shard.samples().get(i), rows));
                    }
                }
                return out.iterator();
            }).collect());
            all.sort(Comparator.comparingLong(Embedded::key));
            return all;
        } finally {
            shipped.destroy();
        }
    }

    /**
     * The colour-histogram baseline ({@link ColorHistogramEmbedder}) on the same shards the evaluation embeds,
     * histograms computed on the executors from the shards' images (the images the shard job decoded; those it could
     * not decode are in no shard and are counted by the caller).
     */
    public static RankingMetrics baseline(JavaRDD<Shard> query, JavaRDD<Shard> gallery, EvalConfig eval) {
        List<Embedded> q = histograms(query);
        List<Embedded> g = histograms(gallery);
        if (q.isEmpty() || g.isEmpty()) throw new IllegalArgumentException("nothing to evaluate: no query or no gallery images");
        return HistogramBaseline.evaluate(firstArray(q), firstArray(g), samples(q), samples(g), eval);
    }

    private static List<Embedded> histograms(JavaRDD<Shard> shards) {
        List<Embedded> all = new ArrayList<>(shards.mapPartitions((Iterator<Shard> it) -> {
            List<Embedded> out = new ArrayList<>();
            ColorHistogramEmbedder embedder = new ColorHistogramEmbedder();
            while (it.hasNext()) {
                Shard shard = it.next();
                float[][] h = embedder.embed(shard.samples(), shard.images());
                for (int i = 0; i < h.length; i++) out.add(new Embedded(shard.key(i), shard.samples().get(i), new float[][] {h[i]}));
            }
            return out.iterator();
        }).collect());
        all.sort(Comparator.comparingLong(Embedded::key));
        return all;
    }

    private static float[][] firstArray(List<Embedded> e) {
        float[][] out = new float[e.size()][];
        for (int i = 0; i < out.length; i++) out[i] = e.get(i).features()[0];
        return out;
    }

    /**
     * Query shards against gallery shards under {@code reid.eval}, with the test network's matching rule.
     *
     * @param local the test network on the driver (its arrays and matching rule; it embeds nothing here)
     * @param lists rank lists to fill from the same distance blocks, or null
     */
    public static RankingMetrics evaluate(JavaSparkContext jsc, JavaRDD<Shard> query, JavaRDD<Shard> gallery, TestNetwork local,
                                          TestModel model, Settings settings, EvalConfig eval, RankLists lists) {
        List<Embedded> q = embed(jsc, query, model, settings);
        List<Embedded> g = embed(jsc, gallery, model, settings);
        if (q.isEmpty() || g.isEmpty()) throw new IllegalArgumentException("nothing to evaluate: no query or no gallery images");
        return Evaluator.evaluate(features("query", q, local), features("gallery", g, local), local.matching(eval.metric()),
                Labels.of("query", samples(q)), Labels.of("gallery", samples(g)), eval, lists);
    }

    /** The test features of embedded images, named as {@code network} names its arrays. */
    public static TestFeatures features(String source, List<Embedded> embedded, TestNetwork network) {
        List<String> names = network.arrays();
        Map<String, float[][]> rows = new LinkedHashMap<>();
        for (int a = 0; a < names.size(); a++) {
            float[][] r = new float[embedded.size()][];
            for (int i = 0; i < r.length; i++) r[i] = embedded.get(i).features()[a];
            rows.put(names.get(a), r);
        }
        return TestFeatures.of(source, rows);
    }

    public static List<Sample> samples(List<Embedded> e) {
        return e.stream().map(Embedded::sample).toList();
    }
}
