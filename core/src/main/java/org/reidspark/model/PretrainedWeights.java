package org.reidspark.model;

import org.apache.hadoop.fs.Path;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.reidspark.artifact.Storage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * Loads backbone weights a user brings (for example ImageNet weights) into a freshly built network, matching
 * layers by name. Two formats:
 * <ul>
 *   <li>{@code .zip}: any DL4J {@code ComputationGraph} saved with {@code ModelSerializer} whose layers carry the
 *       same names (a network built by this project, with any head and any number of classes).</li>
 *   <li>{@code .npz}: a torchvision ResNet state dict saved with NumPy, keys such as {@code layer1.0.conv1.weight},
 *       {@code layer1.0.bn1.running_var} (a leading {@code module.}, {@code base.} or {@code backbone.} is accepted;
 *       {@code fc.*} and {@code num_batches_tracked} are ignored). Convolution weights are
 *       {@code [out, in, kh, kw]} in both frameworks; BatchNorm weight/bias/running_mean/running_var map to DL4J's
 *       gamma/beta/mean/var.</li>
 * </ul>
 * Every backbone layer must be found with parameters of the same shapes; otherwise loading fails naming the missing
 * layers or the mismatching parameter and both shapes. Head layers (BNNeck, classifier) keep their initialization.
 */
public final class PretrainedWeights {
    private static final Logger LOG = LoggerFactory.getLogger(PretrainedWeights.class);
    private static final List<String> TORCH_PREFIXES = List.of("", "module.", "base.", "backbone.", "module.base.");

    private PretrainedWeights() {
    }

    /**
     * Loads the weights {@code model.pretrained()} names into {@code layers} of {@code target}; nothing when it names
     * none. A failure to read them is an unchecked error naming the location.
     */
    public static void loadConfigured(ComputationGraph target, List<String> layers, ModelConfig model, Storage storage) {
        if (model.pretrained().isEmpty()) return;
        if (storage == null) throw new IllegalArgumentException("a Storage is needed to read " + model.pretrained());
        try {
            load(target, layers, model.pretrained(), storage);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("cannot read pretrained weights " + model.pretrained() + ": " + e.getMessage(), e);
        }
    }

    /**
     * Loads {@code location} ({@code .zip} or {@code .npz}; a local path or Hadoop URI) into {@code layers} of
     * {@code target}.
     */
    public static void load(ComputationGraph target, List<String> layers, String location, Storage storage) throws IOException {
        Path path = Storage.path(location);
        if (!storage.exists(path)) throw new IOException("pretrained weights file not found: " + location);
        File local = Files.createTempFile("reid-pretrained-", location.endsWith(".npz") ? ".npz" : ".zip").toFile();
        try {
            try (InputStream in = storage.fs(path).open(path)) {
                Files.copy(in, local.toPath(), StandardCopyOption.REPLACE_EXISTING);
            }
            if (location.endsWith(".zip")) {
                ComputationGraph source;
                try {
                    source = ModelSerializer.restoreComputationGraph(local, false);
                } catch (IOException | RuntimeException e) {
                    throw new IOException(location + " is not a DL4J ComputationGraph zip: " + e.getMessage(), e);
                }
                fromGraph(target, layers, source, location);
            } else if (location.endsWith(".npz")) {
                fromTorchStateDict(target, layers, readNpz(local, location), location);
            } else {
                throw new IOException("pretrained weights must be a .zip (DL4J) or .npz (torchvision state dict): " + location);
            }
        } finally {
            Files.deleteIfExists(local.toPath());
        }
    }

    /** Copies {@code layers}' parameters from {@code source} (same layer names and shapes) into {@code target}. */
    public static void fromGraph(ComputationGraph target, List<String> layers, ComputationGraph source, String what) {
        List<String> missing = new ArrayList<>();
        for (String name : layers) {
            if (!hasLayer(source, name)) missing.add(name);
        }
        failIfMissing(missing, layers.size(), what, "layers");
        long copied = 0;
        for (String name : layers) {
            Map<String, INDArray> to = target.getLayer(name).paramTable();
            Map<String, INDArray> from = source.getLayer(name).paramTable();
            if (!from.keySet().equals(to.keySet())) {
                throw new IllegalArgumentException(what + ": layer \"" + name + "\" has parameters " + from.keySet()
                        + ", the network expects " + to.keySet());
            }
            for (Map.Entry<String, INDArray> p : to.entrySet()) {
                copied += copy(p.getValue(), from.get(p.getKey()), name + "." + p.getKey(), what);
            }
        }
        LOG.info("loaded {} backbone layers ({} values) from {}", layers.size(), copied, what);
    }

    private static boolean hasLayer(ComputationGraph graph, String name) {
        return graph.getConfiguration().getVertices().containsKey(name) && graph.getVertex(name).hasLayer();
    }

    /** Copies {@code layers}' parameters from a torchvision state dict (key -> tensor) into {@code target}. */
    public static void fromTorchStateDict(ComputationGraph target, List<String> layers, Map<String, INDArray> state, String what) {
        String prefix = TORCH_PREFIXES.stream().filter(p -> state.containsKey(p + layers.get(0) + ".weight")).findFirst()
                .orElseThrow(() -> new IllegalArgumentException(what + ": no \"" + layers.get(0) + ".weight\" (with or without a "
                        + "module./base./backbone. prefix): not a torchvision ResNet state dict? keys start with "
                        + state.keySet().stream().limit(5).toList()));
        List<String> missing = new ArrayList<>();
        Map<String, INDArray> dl4jToTorch = new LinkedHashMap<>();
        for (String name : layers) {
            Layer layer = target.getLayer(name);
            Map<String, String> names = torchNames(layer, name);
            for (Map.Entry<String, String> n : names.entrySet()) {
                INDArray t = state.get(prefix + n.getValue());
                if (t == null) missing.add(prefix + n.getValue());
                else dl4jToTorch.put(name + "\u0000" + n.getKey(), t);
            }
        }
        failIfMissing(missing, dl4jToTorch.size() + missing.size(), what, "tensors");
        long copied = 0;
        for (Map.Entry<String, INDArray> e : dl4jToTorch.entrySet()) {
            String[] k = e.getKey().split("\u0000");
            INDArray param = target.getLayer(k[0]).getParam(k[1]);
            copied += copy(param, e.getValue(), prefix + torchNames(target.getLayer(k[0]), k[0]).get(k[1]), what);
        }
        LOG.info("loaded {} backbone layers ({} values) from torchvision state dict {}", layers.size(), copied, what);
    }

    /** The torchvision state-dict key of each DL4J parameter of {@code layer}. */
    private static Map<String, String> torchNames(Layer layer, String name) {
        Map<String, String> m = new LinkedHashMap<>();
        Object conf = layer.conf().getLayer();
        if (conf instanceof ConvolutionLayer c) {
            if (c.hasBias()) throw new IllegalStateException("layer " + name + " has a bias; torchvision ResNet convolutions have none");
            m.put("W", name + ".weight");
        } else if (conf instanceof BatchNormalization bn) {
            if (bn.isUseLogStd()) throw new IllegalStateException("layer " + name + " stores log10(std); expected the variance");
            m.put("gamma", name + ".weight");
            m.put("beta", name + ".bias");
            m.put("mean", name + ".running_mean");
            m.put("var", name + ".running_var");
        } else {
            throw new IllegalStateException("layer " + name + " (" + conf.getClass().getSimpleName() + ") has no torchvision counterpart");
        }
        return m;
    }

    private static long copy(INDArray to, INDArray from, String param, String what) {
        boolean sameShape = Arrays.equals(to.shape(), from.shape())
                || (to.length() == from.length() && isVector(to) && isVector(from));
        if (!sameShape) {
            throw new IllegalArgumentException(what + ": parameter " + param + " has shape " + Arrays.toString(from.shape())
                    + ", the network expects " + Arrays.toString(to.shape())
                    + " (another backbone, width or input channel count?)");
        }
        to.assign(from.castTo(to.dataType()).reshape(to.shape()));
        return to.length();
    }

    private static boolean isVector(INDArray a) {
        return a.rank() <= 1 || (a.rank() == 2 && (a.size(0) == 1 || a.size(1) == 1));
    }

    private static void failIfMissing(List<String> missing, int total, String what, String kind) {
        if (missing.isEmpty()) return;
        throw new IllegalArgumentException(what + " lacks " + missing.size() + " of the " + total + " backbone " + kind
                + " the network needs (another backbone or a non-ResNet file?), e.g. "
                + String.join(", ", missing.subList(0, Math.min(8, missing.size()))));
    }

    /**
     * Reads a NumPy {@code .npz} (as {@code numpy.savez} or {@code savez_compressed} write it) into key -> array.
     * Entries that are not floating point (such as {@code num_batches_tracked}) are skipped.
     */
    public static Map<String, INDArray> readNpz(File file, String what) throws IOException {
        Map<String, INDArray> out = new LinkedHashMap<>();
        try (ZipFile zip = new ZipFile(file)) {
            Enumeration<? extends ZipEntry> entries = zip.entries();
            while (entries.hasMoreElements()) {
                ZipEntry e = entries.nextElement();
                if (!e.getName().endsWith(".npy")) continue;
                String key = e.getName().substring(0, e.getName().length() - 4);
                byte[] bytes;
                try (InputStream in = zip.getInputStream(e)) {
                    bytes = in.readAllBytes();
                }
                if (!isFloatNpy(bytes)) continue;
                try {
                    out.put(key, Nd4j.createNpyFromByteArray(bytes));
                } catch (RuntimeException ex) {
                    throw new IOException(what + ": cannot read array \"" + key + "\": " + ex.getMessage(), ex);
                }
            }
        } catch (java.util.zip.ZipException e) {
            throw new IOException(what + " is not a NumPy .npz (zip) file: " + e.getMessage(), e);
        }
        if (out.isEmpty()) throw new IOException(what + " holds no floating-point arrays");
        return out;
    }

    /** True when the .npy header's dtype is 32- or 64-bit float ('<f4', '<f8'). */
    private static boolean isFloatNpy(byte[] npy) {
        if (npy.length < 12 || npy[0] != (byte) 0x93 || npy[1] != 'N') return false;
        boolean v1 = npy[6] == 1;
        int start = v1 ? 10 : 12;
        int len = v1 ? (npy[8] & 0xff) | ((npy[9] & 0xff) << 8)
                : (npy[8] & 0xff) | ((npy[9] & 0xff) << 8) | ((npy[10] & 0xff) << 16) | ((npy[11] & 0xff) << 24);
        String header = new String(npy, start, Math.min(len, npy.length - start), java.nio.charset.StandardCharsets.ISO_8859_1);
        return header.matches("(?s).*'descr':\\s*'[<=|]?f[48]'.*");
    }
}
