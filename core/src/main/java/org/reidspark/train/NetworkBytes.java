package org.reidspark.train;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * A DL4J graph as what its {@code ModelSerializer} keeps of it (the configuration, with its iteration and epoch counts;
 * the flattened parameters; optionally the updater's state view), without the zip: the JSON's length and UTF-8 bytes,
 * then the arrays' raw values ({@link RawArrays}; a missing array as none). Read back, the graph is built as
 * {@code ModelSerializer.restoreComputationGraph} builds it. The zip's deflating was most of the time of writing a
 * training state or a test model (0.29 s against 0.01-0.03 s for the main job's network with Adam's state:
 * docs/performance.md, "Checkpoints without a zip"), for floats that barely compress. Used by {@link TrainingState}
 * (version 4 on) and the test model Spark ships to executors; published models stay DL4J zips.
 */
public final class NetworkBytes {
    private NetworkBytes() {
    }

    /** Writes {@code g}, with its optimizer state when {@code optimizer}. */
    public static void write(DataOutputStream out, ComputationGraph g, boolean optimizer) throws IOException {
        byte[] json = g.getConfiguration().toJson().getBytes(StandardCharsets.UTF_8);
        out.writeInt(json.length);
        out.write(json);
        RawArrays.write(out, g.params());
        INDArray updater = optimizer ? g.getUpdater().getStateViewArray() : null;
        RawArrays.write(out, updater == null || updater.length() == 0 ? null : updater);
    }

    /** The graph {@link #write} wrote, with its optimizer state if that was written. */
    public static ComputationGraph read(DataInputStream in) throws IOException {
        byte[] json = in.readNBytes(in.readInt());
        ComputationGraphConfiguration conf = ComputationGraphConfiguration.fromJson(new String(json, StandardCharsets.UTF_8));
        INDArray params = RawArrays.read(in);
        INDArray updater = RawArrays.read(in);
        if (params != null) {
            conf.setDataType(params.dataType());
            params = params.reshape(1, params.length());
        }
        ComputationGraph g = new ComputationGraph(conf);
        g.init(params, false);
        if (updater != null) g.getUpdater().setStateViewArray(updater.reshape(1, updater.length()));
        return g;
    }

    /** {@link #write} into an array. */
    public static byte[] toBytes(ComputationGraph g, boolean optimizer) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            write(out, g, optimizer);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot serialize a network", e);
        }
        return bytes.toByteArray();
    }

    /** {@link #read} from an array {@link #toBytes} made. */
    public static ComputationGraph fromBytes(byte[] bytes) throws IOException {
        return read(new DataInputStream(new ByteArrayInputStream(bytes)));
    }
}
