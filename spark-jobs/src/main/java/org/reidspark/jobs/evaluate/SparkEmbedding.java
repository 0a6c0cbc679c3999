package org.reidspark.jobs.evaluate;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigRenderOptions;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.reidspark.data.Sample;
import org.reidspark.data.batch.LoaderConfig;
import org.reidspark.data.image.InputConfig;
import org.reidspark.data.shard.Shard;
import org.reidspark.embed.Embedder;
import org.reidspark.jobs.TaskGpu;
import org.reidspark.eval.EvalConfig;
import org.reidspark.eval.Evaluator;
import org.reidspark.eval.RankingMetrics;
import org.reidspark.train.LocalTraining;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;

/**
 * Embeds identity shards on the executors with a broadcast network (the {@link Embedder}'s preprocessing,
 * the {@code embedding} output, L2-normalized) and evaluates query against gallery with the evaluation engine
 * on the driver (blockwise distances). On GPU executors each task runs on the GPU Spark assigned to it
 * ({@link TaskGpu}).
 */
public final class SparkEmbedding {
    /** One embedded image. */
    public record Embedded(long key, Sample sample, float[] vector) implements Serializable {
    }

    private SparkEmbedding() {
    }

    /** DL4J zip bytes of a network, for broadcasting. */
    public static byte[] bytes(ComputationGraph network) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            ModelSerializer.writeModel(network, out, false);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** Every image of {@code shards} embedded, ordered by key (manifest order). */
    public static List<Embedded> embed(JavaSparkContext jsc, JavaRDD<Shard> shards, byte[] network, Config config) {
        Broadcast<byte[]> model = jsc.broadcast(network);
        String configText = config.root().render(ConfigRenderOptions.concise());
        try {
            List<Embedded> all = new ArrayList<>(shards.mapPartitions((Iterator<Shard> it) -> {
                TaskGpu.bindTask();
                List<Embedded> out = new ArrayList<>();
                Config c = ConfigFactory.parseString(configText).resolve();
                ComputationGraph graph = ModelSerializer.restoreComputationGraph(new ByteArrayInputStream(model.value()), false);
                while (it.hasNext()) {
                    Shard shard = it.next();
                    Embedder embedder = new Embedder(graph, InputConfig.from(c), shard.images(), LoaderConfig.from(c),
                            c.getInt("reid.embed.batch-size"), c.getBoolean("reid.embed.flip"));
                    float[][] vectors = embedder.embed(shard.samples());
                    for (int i = 0; i < vectors.length; i++) out.add(new Embedded(shard.key(i), shard.samples().get(i), vectors[i]));
                }
                return out.iterator();
            }).collect());
            all.sort(Comparator.comparingLong(Embedded::key));
            return all;
        } finally {
            model.destroy();
        }
    }

    /** Query shards against gallery shards under {@code reid.eval}. */
    public static RankingMetrics evaluate(JavaSparkContext jsc, JavaRDD<Shard> query, JavaRDD<Shard> gallery,
                                          ComputationGraph network, Config config) {
        byte[] model = bytes(network);
        List<Embedded> q = embed(jsc, query, model, config);
        List<Embedded> g = embed(jsc, gallery, model, config);
        if (q.isEmpty() || g.isEmpty()) throw new IllegalArgumentException("nothing to evaluate: no query or no gallery images");
        return Evaluator.evaluate(vectors(q), vectors(g), LocalTraining.labels("query", samples(q)),
                LocalTraining.labels("gallery", samples(g)), EvalConfig.from(config));
    }

    /** The vectors of {@code e}, in order. */
    public static float[][] vectors(List<Embedded> e) {
        float[][] v = new float[e.size()][];
        for (int i = 0; i < v.length; i++) v[i] = e.get(i).vector();
        return v;
    }

    static List<Sample> samples(List<Embedded> e) {
        return e.stream().map(Embedded::sample).toList();
    }
}
