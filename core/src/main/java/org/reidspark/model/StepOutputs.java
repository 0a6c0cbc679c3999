package org.reidspark.model;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.graph.vertex.GraphVertex;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * The outputs that the native layers and vertices allocate in the training forward passes of
 * {@link ExternalBackprop#forward}, freed as soon as nothing can read them instead of at the next garbage collection:
 * when the same graph's next forward pass starts, when its update is applied ({@link ExternalBackprop#update}) or
 * when it is cleared. Until then the graph's backward pass reads them (each layer keeps its input for it); after,
 * DL4J has replaced or dropped every layer input, and {@link ExternalBackprop#forward} hands its callers copies of the
 * graph's outputs, so no reference to them remains in use.
 *
 * <p>Why: training runs without DL4J's workspaces (see {@link ExternalBackprop}), so each step allocates every
 * activation afresh and its memory came back only through {@link OffHeapCollector}'s garbage collections (a ResNet-18
 * step at 128x64, batch 32, leaves about 300 MB; a collection followed most steps, 17 ms each; docs/performance.md).
 * Arrays allocated in a DL4J workspace, and every pass outside {@link ExternalBackprop#forward} (inference, a plain
 * {@code feedForward}), are left alone.
 */
public final class StepOutputs {

    /** A layer or vertex that keeps the outputs it allocated during recorded forward passes, and frees them when told. */
    public interface Holder {
        /** Frees the outputs kept since the last call (the arrays are closed; nothing may read them after). */
        void releaseStepOutputs();
    }

    private static final ThreadLocal<Boolean> RECORDING = ThreadLocal.withInitial(() -> false);

    private StepOutputs() {
    }

    /** A layer's kept outputs. Used by one thread at a time, as a layer is. */
    public static final class Kept {
        private final List<INDArray> arrays = new ArrayList<>();

        /** Keeps {@code output} while this thread runs a recorded forward pass and it lies outside any workspace. */
        public void keep(INDArray output) {
            if (RECORDING.get() && !output.isAttached()) arrays.add(output);
        }

        /**
         * A new output of {@code shape} for a layer's or vertex's forward pass, in {@code mgr}'s activations workspace
         * (or none), kept when {@code training}.
         */
        public INDArray newOutput(LayerWorkspaceMgr mgr, DataType type, long[] shape, boolean training) {
            INDArray y = mgr.createUninitialized(ArrayType.ACTIVATIONS, type, shape, 'c');
            if (training) keep(y);
            return y;
        }

        /** Closes the kept arrays (those not closed yet) and forgets them. */
        public void release() {
            for (INDArray a : arrays) {
                if (!a.wasClosed()) a.close();
            }
            arrays.clear();
        }
    }

    /**
     * Whether a layer or vertex configured to write its output into its input {@code x} may do so in this pass:
     * {@code x} is the very array the graph gave it ({@code given}, not a cast copy), outside any workspace, and no
     * workspace holds the pass's activations (DL4J's inference passes use workspaces, which an output that is the input
     * would break; training here runs without).
     */
    public static boolean mayOverwrite(INDArray x, INDArray given, LayerWorkspaceMgr mgr) {
        return x == given && !x.isAttached() && mgr.isScopedOut(ArrayType.ACTIVATIONS);
    }

    /** Runs {@code forward} with this thread's forward pass recorded. */
    static <T> T recorded(Supplier<T> forward) {
        boolean before = RECORDING.get();
        RECORDING.set(true);
        try {
            return forward.get();
        } finally {
            RECORDING.set(before);
        }
    }

    /** Frees what the layers and vertices of {@code graph} kept. */
    static void release(ComputationGraph graph) {
        for (GraphVertex vertex : graph.getVertices()) {
            if (vertex instanceof Holder h) h.releaseStepOutputs();
            else if (vertex.hasLayer() && vertex.getLayer() instanceof Holder h) h.releaseStepOutputs();
        }
    }
}
