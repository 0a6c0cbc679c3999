package org.reidspark.model;

import org.deeplearning4j.nn.api.Trainable;
import org.deeplearning4j.nn.conf.GradientNormalization;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.updater.UpdaterBlock;
import org.deeplearning4j.nn.updater.graph.ComputationGraphUpdater;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.AdamUpdater;
import org.nd4j.linalg.learning.GradientUpdater;
import org.nd4j.linalg.learning.NoOpUpdater;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.regularization.L2Regularization;
import org.nd4j.linalg.learning.regularization.Regularization;

import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * A network's optimizer step as one pass over its flat parameter, gradient and optimizer-state arrays: L2 added to
 * the gradient, Adam (Kingma and Ba, "Adam: A Method for Stochastic Optimization", ICLR 2015,
 * https://arxiv.org/abs/1412.6980) turning it into the update, and the parameters moved by it, for every updater
 * block of the graph in turn.
 *
 * <p>Why: DL4J's {@code ComputationGraphUpdater} runs, per updater block (a run of parameters with the same updater
 * and regularization; a ResNet has two or three per layer because BatchNorm's running statistics use a no-op
 * updater and its scale and shift no L2), a division by the minibatch size, one L2 operation per parameter array,
 * one Adam operation, and then the network subtracts the whole update: some 150 native calls, each with its own
 * shape buffers, for the main job's network of 0.7 M parameters 10-14 ms a step, where the arithmetic takes about
 * one. This pass computes exactly what those operations compute, in the same float arithmetic as libnd4j's
 * {@code adam_updater} ({@code m = b1 m + (1 - b1) g}, {@code v = b2 v + (1 - b2) g^2},
 * {@code u = lr sqrt(1 - b2^t) / (1 - b1^t) * m / (sqrt(v) + eps)} with {@code t = iteration + 1}), leaves the
 * same values in the gradient array (the update) and the state array ({@code [m | v]} per block, the layout that
 * checkpoints and parameter averaging read), and subtracts the update from the parameters. It sweeps each block in
 * chunks of {@value #CHUNK} values copied into per-thread arrays (loops the JIT vectorizes): 1.8-2.0 ms a step for the
 * main job's network where DL4J's updater took 10-14 ms (docs/performance.md). A large block is split among the
 * calling thread's native threads ({@link ThreadShare}; every value is computed alone, so the split changes nothing).
 *
 * <p>It covers FLOAT graphs whose blocks use Adam or no-op updaters, L2 as the only regularization, no gradient
 * normalization, and a contiguous gradient array laid out as the parameters (what {@link ExternalBackprop#backward}
 * returns; DL4J's updater takes each block at the same offsets of whatever array it is given);
 * for anything else {@link #apply} changes nothing and returns false, and {@link ExternalBackprop#update} runs
 * DL4J's updater. Shapes: parameters, gradient and update {@code [P]} (the graph's flattened arrays), optimizer
 * state {@code [2 P_adam]}.
 */
final class FusedUpdate {
    private FusedUpdate() {
    }

    /** One updater block: where its values lie in the three buffers, and its optimizer. */
    record Block(int gradientStart, int paramStart, int length, AdamUpdater adam, int mStart, int vStart,
                 List<L2Range> l2) {
    }

    /**
     * A parameter array of a block with L2: its coefficient schedule and where it lies, as an offset within the block
     * (the same in the gradient and the parameters, which DL4J lays out alike).
     */
    record L2Range(L2Regularization l2, int offset, int length) {
    }

    /**
     * Applies one optimizer step to {@code graph}, as {@code updater.update(gradient, iteration, epoch, 1, ...)}
     * followed by {@code params -= gradient} would.
     *
     * @return false, with nothing changed, when the graph's configuration is not one this pass covers
     */
    static boolean apply(ComputationGraph graph, Gradient gradient, int iteration, int epoch) {
        return apply(graph, gradient, iteration, epoch, 0);
    }

    /**
     * {@link #apply} with each block's values in {@code parts} contiguous parts on as many threads ({@link ThreadShare};
     * 0: the calling thread's share for blocks of {@link ThreadShare#MIN_PARALLEL_VALUES} values or more). Every value
     * is computed alone, so the results do not depend on the split.
     */
    static boolean apply(ComputationGraph graph, Gradient gradient, int iteration, int epoch, int parts) {
        Plan plan = plan(graph, gradient);
        if (plan.declined() != null) return false;
        INDArray grads = gradient.gradient();
        INDArray params = graph.params();
        INDArray state = graph.getUpdater(true).getStateViewArray();
        FloatBuffer g = FloatMemory.buffer(grads, "gradient");
        FloatBuffer p = FloatMemory.buffer(params, "parameters");
        FloatBuffer s = state == null ? null : FloatMemory.buffer(state, "optimizer state");
        for (Block b : plan.blocks()) {
            AdamStep adam = b.adam() == null ? null : AdamStep.of(b.adam().getConfig(), iteration, epoch);
            float[] l2 = new float[b.l2().size()];
            for (int i = 0; i < l2.length; i++) l2[i] = (float) b.l2().get(i).l2().getL2().valueAt(iteration, epoch);
            ThreadShare.forRanges(b.length(), parts > 0 ? parts : ThreadShare.parts(b.length()),
                    (from, to) -> sweep(b, l2, adam, g, p, s, from, to));
        }
        return true;
    }

    /** Values per sweep: four arrays of this many floats stay in the core's cache. */
    private static final int CHUNK = 4096;
    /** Per-thread chunk arrays: gradient, parameters, first and second moments. */
    private static final ThreadLocal<float[][]> CHUNKS = ThreadLocal.withInitial(() -> new float[4][CHUNK]);

    private static float[] read(FloatBuffer from, int start, int n, float[] into) {
        from.get(start, into, 0, n);
        return into;
    }

    /**
     * Values {@code [from, to)} of one block (offsets within it), chunk by chunk: L2 added to the gradient where the
     * block's parameter arrays have it, then Adam (or, with a no-op updater, the gradient as the update), the update
     * left in the gradient array and subtracted from the parameters. L2 is added to the chunk already read for Adam
     * (the same arithmetic as a separate pass, without reading the gradient and parameters twice and writing the
     * gradient once more).
     */
    private static void sweep(Block b, float[] l2, AdamStep adam, FloatBuffer g, FloatBuffer p, FloatBuffer s,
                              int from, int to) {
        float[][] chunk = CHUNKS.get();
        for (int at = from; at < to; at += CHUNK) {
            int n = Math.min(CHUNK, to - at);
            float[] gc = read(g, b.gradientStart() + at, n, chunk[0]);
            float[] pc = read(p, b.paramStart() + at, n, chunk[1]);
            for (int k = 0; k < l2.length; k++) {
                L2Range r = b.l2().get(k);
                int lo = Math.max(at, r.offset()), hi = Math.min(at + n, r.offset() + r.length());
                float c = l2[k];
                for (int i = lo - at; i < hi - at; i++) gc[i] += c * pc[i];
            }
            if (adam != null) {
                float[] mc = read(s, b.mStart() + at, n, chunk[2]);
                float[] vc = read(s, b.vStart() + at, n, chunk[3]);
                adam.apply(gc, pc, mc, vc, n);
                g.put(b.gradientStart() + at, gc, 0, n);
                s.put(b.mStart() + at, mc, 0, n);
                s.put(b.vStart() + at, vc, 0, n);
            } else {
                for (int i = 0; i < n; i++) pc[i] -= gc[i];
                if (l2.length > 0) g.put(b.gradientStart() + at, gc, 0, n);
            }
            p.put(b.paramStart() + at, pc, 0, n);
        }
    }

    /** Adam's constants for one step of one block, in libnd4j's float arithmetic. */
    private record AdamStep(float beta1, float beta2, float eps, float epsT, float keep1, float keep2) {
        static AdamStep of(Adam config, int iteration, int epoch) {
            float lr = (float) config.getLearningRate(iteration, epoch);
            float beta1 = (float) config.getBeta1();
            float beta2 = (float) config.getBeta2();
            float eps = (float) config.getEpsilon();
            if (eps == 0) eps = 1e-7f;
            float t = (float) iteration + 1;
            float beta1T = (float) Math.pow(beta1, t);
            float beta2T = (float) Math.pow(beta2, t);
            float epsT = (float) (lr * (float) Math.sqrt(1.0 - beta2T) / (1.0 - beta1T));
            if (Float.isNaN(epsT) || Float.isInfinite(epsT) || epsT == 0) epsT = eps;
            return new AdamStep(beta1, beta2, eps, epsT, 1 - beta1, 1 - beta2);
        }

        /** The moments and the update of {@code n} values in place: the update into {@code g}, then {@code p -= u}. */
        void apply(float[] gc, float[] pc, float[] mc, float[] vc, int n) {
            for (int i = 0; i < n; i++) {
                float gi = gc[i];
                float m = beta1 * mc[i] + gi * keep1;
                float v = beta2 * vc[i] + gi * gi * keep2;
                float u = m * epsT / ((float) Math.sqrt(v) + eps);
                mc[i] = m;
                vc[i] = v;
                gc[i] = u;
                pc[i] -= u;
            }
        }
    }

    /**
     * What the pass would do for a graph and gradient.
     *
     * @param declined why the pass does not cover them, or null when it does
     * @param blocks   the updater blocks with their offsets in the buffers (empty when declined)
     */
    record Plan(String declined, List<Block> blocks) {
        static Plan decline(String why) {
            return new Plan(why, List.of());
        }
    }

    /** The plan for {@code graph} and {@code gradient}. */
    static Plan plan(ComputationGraph graph, Gradient gradient) {
        DataType type = graph.getConfiguration().getDataType();
        if (type != DataType.FLOAT) return Plan.decline("data type " + type);
        ComputationGraphUpdater updater = graph.getUpdater(true);
        INDArray grads = gradient.gradient();
        INDArray params = graph.params();
        INDArray state = updater.getStateViewArray();
        if (grads == null || params == null) return Plan.decline("no flattened gradient or parameters");
        if (!FloatMemory.contiguous(grads) || !FloatMemory.contiguous(params) || grads.length() != params.length()
                || (state != null && !FloatMemory.contiguous(state))) {
            return Plan.decline("arrays not contiguous");
        }
        // offsets in the flattened arrays, as DL4J's UpdaterBlock takes them from a gradient array it was given
        long g0 = grads.offset();
        long p0 = params.offset();
        List<Block> blocks = new ArrayList<>();
        for (UpdaterBlock block : updater.getUpdaterBlocks()) {
            if (block.isPretrainUpdaterBlock()) return Plan.decline("a pretraining block");
            int length = block.getParamOffsetEnd() - block.getParamOffsetStart();
            List<L2Range> l2 = new ArrayList<>();
            for (UpdaterBlock.ParamState ps : block.getLayersAndVariablesInBlock()) {
                Trainable layer = ps.getLayer();
                GradientNormalization norm = layer.getConfig().getGradientNormalization();
                if (norm != null && norm != GradientNormalization.None) {
                    return Plan.decline("gradient normalization " + norm);
                }
                List<Regularization> regs = layer.getConfig().getRegularizationByParam(ps.getParamName());
                if (regs == null || regs.isEmpty()) continue;
                if (regs.size() != 1 || !(regs.get(0) instanceof L2Regularization r)) {
                    return Plan.decline("regularization " + regs);
                }
                int start = ps.getParamOffsetStart();
                l2.add(new L2Range(r, start - block.getParamOffsetStart(), ps.getParamOffsetEnd() - start));
            }
            int gStart = (int) (g0 + block.getParamOffsetStart());
            int pStart = (int) (p0 + block.getParamOffsetStart());
            if (block.getGradientUpdater() == null) block.init(); // what DL4J's first update does
            GradientUpdater<?> u = block.getGradientUpdater();
            if (u instanceof AdamUpdater adam) {
                INDArray m = adam.getM();
                INDArray v = adam.getV();
                if (state == null || m == null || v == null || !FloatMemory.contiguous(m) || !FloatMemory.contiguous(v)
                        || m.length() != length || v.length() != length) {
                    return Plan.decline("Adam's state not laid out as expected");
                }
                blocks.add(new Block(gStart, pStart, length, adam, (int) m.offset(), (int) v.offset(), l2));
            } else if (u instanceof NoOpUpdater) {
                blocks.add(new Block(gStart, pStart, length, null, 0, 0, l2));
            } else {
                return Plan.decline("updater " + u.getClass().getSimpleName());
            }
        }
        return new Plan(null, List.copyOf(blocks));
    }
}
