package org.reidspark.model.backbone;

import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.graph.PreprocessorVertex;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.params.BatchNormalizationParamInitializer;
import org.deeplearning4j.nn.params.ConvolutionParamInitializer;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.activations.impl.ActivationReLU;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * An inference copy of a trained graph with every BatchNorm that follows a convolution folded into that convolution's
 * weights and bias, and a ReLU that follows such a BatchNorm applied by the convolution itself, in place: what
 * inference runtimes do (e.g. PyTorch's {@code torch.fx} {@code fuse_conv_bn_eval}, TensorRT), here for the embedding
 * passes of evaluation, {@code evaluate}, {@code extract} and the benchmark's inference cases. BatchNorm
 * (https://arxiv.org/abs/1502.03167) in inference is an affine map per channel with the running statistics, so
 *
 * <pre>
 *   BN(conv(x; W, b)) = conv(x; W', b'),   s = gamma / sqrt(var + eps),   W'[o] = s[o] W[o],   b' = s (b - mean) + beta
 * </pre>
 *
 * <p>and a ResNet's {@code conv -> bn -> relu} runs as one {@code conv2d} call and one in-place ReLU, where the graph it
 * came from makes three passes over the activations and allocates two more arrays of their size. Shapes: weights
 * {@code W [C_out, C_in, kH, kW]}, bias and BatchNorm parameters {@code [C_out]}; activations NCHW
 * {@code [B, C_out, H, W]}, unchanged by the fold.
 *
 * <p>A BatchNorm is folded when its only input is a convolution (DL4J's or {@link NativeConvolution}, NCHW, identity
 * activation) whose output nothing else reads and neither is a graph output; the ReLU ({@link NativeRelu} or DL4J's
 * ReLU {@link ActivationLayer}) when it is the BatchNorm's only reader and not a graph output. Everything else
 * (residual additions, pooling, the heads, BatchNorms on 2-D features) is copied as it is. The copy is for inference
 * only: it has no BatchNorm to train and is never saved; the trained graph is not changed. Results equal the
 * unfolded graph's within float rounding ({@code InferenceFoldingTest}; docs/performance.md for the speed).
 *
 * <p>On CPUs with AVX-512 ({@link #channelsLastByDefault()}) the copy also runs its native convolutions, max pooling
 * and 4-D BatchNorms, with the ReLUs and element-wise vertices between them, channels-last ({@code [B, H, W, C]}),
 * where oneDNN's forward convolutions run without reordering their input and output; a {@link LayoutChange} vertex
 * permutes the activations where that region meets a vertex that reads channels-first (the graph's inputs and
 * outputs, global pooling, concatenations, other layers). Parameters keep their shapes in either layout.
 */
public final class InferenceFolding {
    private InferenceFolding() {
    }

    /**
     * The folded copy and what was folded.
     *
     * @param graph the inference copy (parameters copied; shares nothing with the trained graph)
     * @param batchNorms names of the BatchNorm vertices folded into their convolutions
     * @param relus names of the ReLU vertices now applied by a convolution
     * @param channelsLast names of the vertices that run channels-last ({@code [B, H, W, C]}) in the copy
     * @param layoutChanges names of the vertices added where the channels-last region meets the rest
     */
    public record Folded(ComputationGraph graph, List<String> batchNorms, List<String> relus, List<String> channelsLast,
                         List<String> layoutChanges) {
        public Folded {
            batchNorms = List.copyOf(batchNorms);
            relus = List.copyOf(relus);
            channelsLast = List.copyOf(channelsLast);
            layoutChanges = List.copyOf(layoutChanges);
        }
    }

    /** One convolution with the BatchNorm (and possibly the ReLU) folded into it. */
    private record Fold(String conv, String batchNorm, String relu) {
    }

    /** The system property that sets the copies' layout: {@code auto} (the default), {@code true} or {@code false}. */
    public static final String CHANNELS_LAST_PROPERTY = "reid.inference.channels-last";
    private static final Logger LOG = LoggerFactory.getLogger(InferenceFolding.class);
    private static volatile Boolean channelsLastDefault;

    /**
     * Whether the copies run channels-last: {@value #CHANNELS_LAST_PROPERTY} {@code true} or {@code false}, or with
     * {@code auto} when ND4J runs on the CPU backend and the CPU has AVX-512 ({@code avx512f} in
     * {@code /proc/cpuinfo}; GPU executors keep channels-first, not measured channels-last), where oneDNN's forward
     * convolutions run channels-last and were 1.2-6x faster in that layout than channels-first; on an AVX2 machine
     * (session 3) channels-last took 0.94-1.16x the time of channels-first forward, so the copies stay channels-first there
     * (docs/performance.md, "Inference: channels-last"). Decided once per process and logged.
     */
    public static boolean channelsLastByDefault() {
        Boolean c = channelsLastDefault;
        if (c == null) {
            synchronized (InferenceFolding.class) {
                if (channelsLastDefault == null) {
                    String setting = System.getProperty(CHANNELS_LAST_PROPERTY, "auto");
                    boolean avx512 = cpuFlags().contains("avx512f");
                    Object backend = Nd4j.getExecutioner().getEnvironmentInformation().get("backend");
                    channelsLastDefault = channelsLast(setting, avx512, "CPU".equals(String.valueOf(backend)));
                    LOG.info("inference copies run {} ({}={}, {}AVX-512, ND4J backend {})",
                            channelsLastDefault ? "channels-last" : "channels-first", CHANNELS_LAST_PROPERTY, setting,
                            avx512 ? "" : "no ", backend);
                }
                c = channelsLastDefault;
            }
        }
        return c;
    }

    /** The rule of {@link #channelsLastByDefault()}: {@code setting} is {@code auto}, {@code true} or {@code false}. */
    static boolean channelsLast(String setting, boolean avx512, boolean cpuBackend) {
        return switch (setting) {
            case "auto" -> avx512 && cpuBackend;
            case "true" -> true;
            case "false" -> false;
            default -> throw new IllegalArgumentException("-D" + CHANNELS_LAST_PROPERTY + " must be auto, true or false, not '"
                    + setting + "'");
        };
    }

    /** The CPU's feature flags from {@code /proc/cpuinfo} (empty where there is none). */
    private static Set<String> cpuFlags() {
        try (Stream<String> lines = Files.lines(Path.of("/proc/cpuinfo"))) {
            return lines.filter(l -> l.startsWith("flags")).findFirst()
                    .map(l -> (Set<String>) new HashSet<>(List.of(l.substring(l.indexOf(':') + 1).trim().split("\\s+"))))
                    .orElse(Set.of());
        } catch (IOException | RuntimeException e) {
            return Set.of();
        }
    }

    /**
     * {@code trained}'s inference copy ({@link #fold(ComputationGraph)}), made on the first {@code get()} and kept: a
     * test network built only for its arrays' names, or never run, makes none. Not thread-safe, like the test networks.
     */
    public static Supplier<ComputationGraph> onFirstUse(ComputationGraph trained) {
        return new Supplier<>() {
            private ComputationGraph copy;

            @Override
            public ComputationGraph get() {
                if (copy == null) copy = fold(trained).graph();
                return copy;
            }
        };
    }

    /** {@link #fold(ComputationGraph, boolean)} in the process's layout ({@link #channelsLastByDefault()}). */
    public static Folded fold(ComputationGraph trained) {
        return fold(trained, channelsLastByDefault());
    }

    /**
     * {@code trained}'s inference copy with its foldable BatchNorms and ReLUs folded (a copy even if none is), its
     * native layers channels-last when {@code channelsLast}.
     */
    public static Folded fold(ComputationGraph trained, boolean channelsLast) {
        ComputationGraphConfiguration source = trained.getConfiguration();
        Map<String, List<String>> readers = readers(source);
        List<String> outputs = source.getNetworkOutputs();
        List<Fold> folds = new ArrayList<>();
        for (Map.Entry<String, GraphVertex> e : source.getVertices().entrySet()) {
            String bn = e.getKey();
            if (!(layer(e.getValue()) instanceof BatchNormalization bnConf) || !foldable(bnConf) || outputs.contains(bn)) continue;
            List<String> in = source.getVertexInputs().get(bn);
            if (in == null || in.size() != 1) continue;
            String conv = in.get(0);
            if (!(layer(source.getVertices().get(conv)) instanceof ConvolutionLayer convConf) || !foldable(convConf)
                    || outputs.contains(conv) || !List.of(bn).equals(readers.get(conv))) {
                continue;
            }
            String relu = null;
            List<String> next = readers.get(bn);
            if (next != null && next.size() == 1 && isRelu(layer(source.getVertices().get(next.get(0))))
                    && !outputs.contains(next.get(0))) {
                relu = next.get(0);
            }
            folds.add(new Fold(conv, bn, relu));
        }

        ComputationGraphConfiguration conf = source.clone();
        Map<String, GraphVertex> vertices = new LinkedHashMap<>(conf.getVertices());
        Map<String, List<String>> inputs = new LinkedHashMap<>();
        conf.getVertexInputs().forEach((k, v) -> inputs.put(k, new ArrayList<>(v)));
        List<String> batchNorms = new ArrayList<>();
        List<String> relus = new ArrayList<>();
        for (Fold f : folds) {
            vertices.put(f.conv(), withLayer(vertices.get(f.conv()), layer -> {
                ConvolutionLayer conv = (ConvolutionLayer) layer;
                conv.setHasBias(true);
                if (f.relu() != null) conv.setActivationFn(new ActivationReLU());
            }));
            remove(f.batchNorm(), f.conv(), vertices, inputs);
            batchNorms.add(f.batchNorm());
            if (f.relu() != null) {
                remove(f.relu(), f.conv(), vertices, inputs);
                relus.add(f.relu());
            }
        }
        Layouts layouts = channelsLast ? toChannelsLast(vertices, inputs, conf.getNetworkInputs(), conf.getNetworkOutputs())
                : new Layouts(List.of(), List.of());
        conf.setVertices(vertices);
        conf.setVertexInputs(inputs);
        conf.setTopologicalOrder(null);
        conf.setTopologicalOrderStr(null);
        // Every parameter is written below, so the copy starts from zeros rather than a random initialization.
        long count = vertices.values().stream().mapToLong(v -> v.numParams(true)).sum();
        ComputationGraph folded = new ComputationGraph(conf);
        folded.init(Nd4j.zeros(source.getDataType(), 1, count), false);

        Map<String, Fold> byConv = new LinkedHashMap<>();
        for (Fold f : folds) byConv.put(f.conv(), f);
        for (org.deeplearning4j.nn.graph.vertex.GraphVertex target : folded.getVertices()) {
            String name = target.getVertexName();
            Fold f = byConv.get(name);
            if (f != null) {
                foldParameters(trained.getLayer(f.conv()), trained.getLayer(f.batchNorm()), target.getLayer());
                continue;
            }
            if (target.numParams() == 0) continue; // parameter-free, or a layout change the trained graph has not
            Map<String, INDArray> from = trained.getVertex(name).paramTable(false);
            for (Map.Entry<String, INDArray> p : target.paramTable(false).entrySet()) p.getValue().assign(from.get(p.getKey()));
        }
        return new Folded(folded, batchNorms, relus, layouts.channelsLast(), layouts.changes());
    }

    /** Writes {@code W'} and {@code b'} (computed in double) into {@code target}'s parameters. */
    private static void foldParameters(Layer conv, Layer bn, Layer target) {
        BatchNormalization bnConf = (BatchNormalization) bn.conf().getLayer();
        int channels = (int) bnConf.getNOut();
        double[] mean = values(bn.getParam(BatchNormalizationParamInitializer.GLOBAL_MEAN));
        double[] var = values(bn.getParam(BatchNormalizationParamInitializer.GLOBAL_VAR));
        double[] gamma = new double[channels];
        double[] beta = new double[channels];
        if (bnConf.isLockGammaBeta()) {
            Arrays.fill(gamma, bnConf.getGamma());
            Arrays.fill(beta, bnConf.getBeta());
        } else {
            gamma = values(bn.getParam(BatchNormalizationParamInitializer.GAMMA));
            beta = values(bn.getParam(BatchNormalizationParamInitializer.BETA));
        }
        double[] bias = conv.paramTable().containsKey(ConvolutionParamInitializer.BIAS_KEY)
                ? values(conv.getParam(ConvolutionParamInitializer.BIAS_KEY)) : new double[channels];
        INDArray w = conv.getParam(ConvolutionParamInitializer.WEIGHT_KEY);
        double[] weights = values(w);
        int perChannel = weights.length / channels;
        double[] folded = new double[channels];
        for (int o = 0; o < channels; o++) {
            double scale = gamma[o] / Math.sqrt(var[o] + bnConf.getEps());
            for (int i = o * perChannel; i < (o + 1) * perChannel; i++) weights[i] *= scale;
            folded[o] = (bias[o] - mean[o]) * scale + beta[o];
        }
        try (INDArray scaled = Nd4j.create(weights, w.shape(), 'c')) {
            target.getParam(ConvolutionParamInitializer.WEIGHT_KEY).assign(scaled);
        }
        INDArray targetBias = target.getParam(ConvolutionParamInitializer.BIAS_KEY);
        targetBias.assign(Nd4j.createFromArray(folded).reshape(targetBias.shape()));
    }

    /** A parameter's values in double, in C order (through a temporary copy, freed at once). */
    private static double[] values(INDArray param) {
        try (INDArray copy = param.dup('c')) {
            return copy.data().asDouble();
        }
    }

    /** What {@link #toChannelsLast} changed. */
    private record Layouts(List<String> channelsLast, List<String> changes) {
    }

    /**
     * Runs the copy's native convolutions, max pooling and 4-D BatchNorms channels-last, with the element-wise
     * vertices and ReLUs between them, and adds a {@link LayoutChange} vertex wherever that region meets a vertex that
     * reads channels-first activations (the graph's inputs and outputs, global pooling, concatenation, any other
     * layer). oneDNN's convolutions run in that layout on AVX-512 machines and ND4J's wrapper otherwise reorders each
     * convolution's input and output to it and back (docs/performance.md). Graph outputs keep their layout.
     */
    private static Layouts toChannelsLast(Map<String, GraphVertex> vertices, Map<String, List<String>> inputs,
                                        List<String> networkInputs, List<String> outputs) {
        Set<String> last = new HashSet<>();
        List<String> converted = new ArrayList<>();
        Set<String> changes = new LinkedHashSet<>();
        for (String v : topologicalOrder(vertices.keySet(), inputs, networkInputs)) {
            List<String> in = inputs.get(v);
            org.deeplearning4j.nn.conf.layers.Layer layer = layer(vertices.get(v));
            boolean allLast = !in.isEmpty() && last.containsAll(in);
            boolean toLast;
            if (outputs.contains(v) || vertices.get(v) instanceof LayerVertex lv && lv.getPreProcessor() != null) {
                toLast = false;
            } else if (layer instanceof ConvolutionLayer c && c.getClass() == NativeConvolution.class
                    && c.getCnn2dDataFormat() == CNN2DFormat.NCHW && in.size() == 1) {
                toLast = true;
            } else if (layer instanceof NativeSubsampling p && p.getCnn2dDataFormat() == CNN2DFormat.NCHW && in.size() == 1) {
                toLast = true;
            } else if (layer instanceof NativeBatchNormalization bn && bn.getCnn2DFormat() == CNN2DFormat.NCHW && allLast) {
                toLast = true;
            } else {
                toLast = allLast && (isRelu(layer) || (vertices.get(v) instanceof ElementWiseVertex
                        || vertices.get(v) instanceof NativeAdd));
            }
            List<String> rewired = new ArrayList<>();
            for (String i : in) {
                if (toLast == last.contains(i)) {
                    rewired.add(i);
                    continue;
                }
                String name = i + (toLast ? "@channels-last" : "@channels-first");
                if (changes.add(name)) {
                    vertices.put(name, new PreprocessorVertex(new LayoutChange(toLast)));
                    inputs.put(name, new ArrayList<>(List.of(i)));
                }
                rewired.add(name);
            }
            inputs.put(v, rewired);
            if (!toLast) continue;
            last.add(v);
            if (layer != null && !isRelu(layer)) {
                vertices.put(v, withLayer(vertices.get(v), copy -> {
                    if (copy instanceof ConvolutionLayer c) c.setCnn2dDataFormat(CNN2DFormat.NHWC);
                    else if (copy instanceof NativeSubsampling p) p.setCnn2dDataFormat(CNN2DFormat.NHWC);
                    else if (copy instanceof BatchNormalization bn) bn.setCnn2DFormat(CNN2DFormat.NHWC);
                }));
            }
            converted.add(v);
        }
        return new Layouts(converted, List.copyOf(changes));
    }

    /** A copy of layer vertex {@code v} whose layer configuration (a copy too) {@code change} has altered. */
    private static LayerVertex withLayer(GraphVertex v, Consumer<org.deeplearning4j.nn.conf.layers.Layer> change) {
        LayerVertex copy = (LayerVertex) v.clone();
        NeuralNetConfiguration layerConf = copy.getLayerConf().clone();
        org.deeplearning4j.nn.conf.layers.Layer layer = layerConf.getLayer().clone();
        change.accept(layer);
        layerConf.setLayer(layer);
        copy.setLayerConf(layerConf);
        return copy;
    }

    /** The vertices in an order where each comes after its inputs (the network inputs come first). */
    private static List<String> topologicalOrder(Collection<String> names, Map<String, List<String>> inputs,
                                                 List<String> networkInputs) {
        List<String> order = new ArrayList<>();
        Set<String> done = new HashSet<>(networkInputs);
        List<String> pending = new ArrayList<>(names);
        while (!pending.isEmpty()) {
            int before = pending.size();
            for (Iterator<String> it = pending.iterator(); it.hasNext(); ) {
                String v = it.next();
                if (done.containsAll(inputs.get(v))) {
                    order.add(v);
                    done.add(v);
                    it.remove();
                }
            }
            if (pending.size() == before) throw new IllegalStateException("the graph has a cycle through " + pending);
        }
        return order;
    }

    /** Drops vertex {@code name}, whose readers read {@code replacement} instead. */
    private static void remove(String name, String replacement, Map<String, GraphVertex> vertices, Map<String, List<String>> inputs) {
        vertices.remove(name);
        inputs.remove(name);
        for (List<String> in : inputs.values()) in.replaceAll(v -> v.equals(name) ? replacement : v);
    }

    /** For each vertex, the vertices that read its output. */
    private static Map<String, List<String>> readers(ComputationGraphConfiguration conf) {
        Map<String, List<String>> readers = new LinkedHashMap<>();
        conf.getVertexInputs().forEach((vertex, in) -> {
            for (String i : in) readers.computeIfAbsent(i, k -> new ArrayList<>()).add(vertex);
        });
        return readers;
    }

    private static org.deeplearning4j.nn.conf.layers.Layer layer(GraphVertex v) {
        return v instanceof LayerVertex lv ? lv.getLayerConf().getLayer() : null;
    }

    private static boolean foldable(BatchNormalization bn) {
        return !bn.isUseLogStd() && bn.getCnn2DFormat() == CNN2DFormat.NCHW;
    }

    private static boolean foldable(ConvolutionLayer conv) {
        Class<?> type = conv.getClass();
        return (type == NativeConvolution.class || type == ConvolutionLayer.class)
                && conv.getActivationFn() instanceof ActivationIdentity
                && conv.getCnn2dDataFormat() == CNN2DFormat.NCHW
                && conv.getNOut() > 0;
    }

    private static boolean isRelu(org.deeplearning4j.nn.conf.layers.Layer layer) {
        return layer instanceof ActivationLayer a && (a.getClass() == NativeRelu.class || a.getClass() == ActivationLayer.class)
                && a.getActivationFn() instanceof ActivationReLU relu && plain(relu);
    }

    /** A ReLU without threshold, negative slope or upper bound. */
    private static boolean plain(ActivationReLU relu) {
        return relu.equals(new ActivationReLU());
    }
}
