package org.reidspark.model;

import org.deeplearning4j.nn.conf.BackpropType;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.graph.vertex.GraphVertex;
import org.deeplearning4j.nn.updater.graph.ComputationGraphUpdater;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.reidspark.model.backbone.NativeConvolutionLayer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Training a DL4J {@code ComputationGraph} on losses computed outside the graph ("external errors"): a
 * training-mode forward pass that keeps the layers' inputs, then {@code ComputationGraph.backpropGradient(eps...)}
 * with {@code dLoss/dOutput} for every graph output, then one step of the graph's own updater (Adam, SGD, ...).
 * This mirrors what DL4J's {@code StochasticGradientDescent.optimize} does in {@code fit}: updater, parameter step,
 * iteration count, constraints.
 *
 * <p>Facts of DL4J 1.0.0-M2.1 this relies on (read in its source, proven by {@code ExternalBackpropTest}'s
 * numerical gradient check):
 * <ul>
 *   <li>{@code feedForward(inputs, train=true, clearInputs=false)} leaves each layer's input set (detached from
 *       workspaces), which {@code backpropGradient} needs; backprop then clears them.</li>
 *   <li>The graph's <em>training</em> workspace mode must be NONE: with workspaces, BatchNorm's backprop reads its
 *       cached standard deviation from the forward pass's working-memory workspace, closed by then ("outdated
 *       workspace pointer"). {@code ResNet.baseBuilder} configures NONE; inference keeps workspaces.</li>
 *   <li>The gradient it returns is a view of the graph's one flattened gradient array, overwritten by the next
 *       backward pass: copy it ({@code gradient.gradient().dup()}) to keep it.</li>
 *   <li>The error of an output vertex is <em>set</em>, not added to, so an output must not feed other vertices
 *       (outputs here are leaf vertices). DL4J may add into the given arrays in place, so they are copied first.</li>
 *   <li>The updater divides gradients by the batch size it is given (except BatchNorm's running statistics, whose
 *       "gradient" is their update). Losses here are already means over the batch, so it is given 1.</li>
 *   <li>BatchNorm layers in training mode use batch statistics; their running mean and variance move during
 *       {@link #update} (their "gradient" is the running-average step and their updater is a no-op).</li>
 *   <li>Backprop computes the gradient with respect to the graph's inputs too, but {@code backpropGradient} discards
 *       it; {@link #backwardToInputs} keeps it (the chain rule from one network's loss into another network's
 *       output, as a GAN's generator update through its discriminator needs). Backprop puts activation gradients
 *       in workspaces unless the <em>inference</em> workspace mode is NONE; that method switches it for the call.</li>
 * </ul>
 */
public final class ExternalBackprop {
    private ExternalBackprop() {
    }

    /** A loss computed on a graph's outputs: its value and {@code dLoss/dOutput} per output name. */
    @FunctionalInterface
    public interface ExternalLoss {
        /** @param outputs the graph's outputs by name, from a training-mode forward pass */
        Errors apply(Map<String, INDArray> outputs);
    }

    /**
     * A loss value and its gradient with respect to the outputs it depends on.
     *
     * @param loss      the value (a mean over the batch)
     * @param epsilons  {@code dLoss/dOutput} by output name, each the shape of that output; outputs left out get zeros
     */
    public record Errors(double loss, Map<String, INDArray> epsilons) {
        public Errors {
            epsilons = Map.copyOf(epsilons);
        }
    }

    /**
     * Forward pass in training mode (BatchNorm on batch statistics) that keeps every layer's input for
     * {@link #backward}. The outputs the native layers allocate in it are freed at this graph's next forward pass, update or clear
     * ({@link StepOutputs}).
     *
     * @return the graph's outputs by name, in the graph's output order (copies, still valid after backward and update)
     */
    public static Map<String, INDArray> forward(ComputationGraph graph, INDArray... inputs) {
        if (graph.getConfiguration().getTrainingWorkspaceMode() != WorkspaceMode.NONE) {
            throw new IllegalStateException("external-error training needs a graph built with training workspace mode NONE"
                    + " (ResNet.baseBuilder sets it): with workspaces, layers such as BatchNorm keep arrays from the forward"
                    + " pass in a workspace that is closed before backward");
        }
        ThreadShare.settleBlasThreads();
        // the previous pass's outputs: its backward pass is done or will not come (DL4J replaces every layer input)
        StepOutputs.release(graph);
        Map<String, INDArray> all = StepOutputs.recorded(() -> graph.feedForward(inputs, true, false));
        Map<String, INDArray> out = new LinkedHashMap<>();
        // copies: an output can be the very array a layer keeps as its input for backward
        for (String name : graph.getConfiguration().getNetworkOutputs()) out.put(name, all.get(name).dup());
        return out;
    }

    /**
     * Backprop of external errors after {@link #forward} on the same graph.
     *
     * @param outputs  what {@link #forward} returned (gives the shapes)
     * @param epsilons {@code dLoss/dOutput} by output name, each the shape of that output; outputs without one get
     *                 zeros; an unknown name or a wrong shape fails
     * @return the parameter gradients (arrays are views of the graph's gradient array: valid until the next backward)
     */
    public static Gradient backward(ComputationGraph graph, Map<String, INDArray> outputs, Map<String, INDArray> epsilons) {
        INDArray[] eps = externalErrors(graph, outputs, epsilons);
        List<NativeConvolutionLayer> first = convolutionsReadingInputs(graph);
        first.forEach(l -> l.skipInputGradient(true));
        try {
            return graph.backpropGradient(eps);
        } finally {
            first.forEach(l -> l.skipInputGradient(false));
        }
    }

    /** The native convolutions that read one of the graph's inputs: their error to it is not read by {@link #backward}. */
    private static List<NativeConvolutionLayer> convolutionsReadingInputs(ComputationGraph graph) {
        ComputationGraphConfiguration conf = graph.getConfiguration();
        List<NativeConvolutionLayer> layers = new ArrayList<>();
        for (Map.Entry<String, List<String>> e : conf.getVertexInputs().entrySet()) {
            if (conf.getNetworkInputs().containsAll(e.getValue())
                    && graph.getVertex(e.getKey()).hasLayer()
                    && graph.getVertex(e.getKey()).getLayer() instanceof NativeConvolutionLayer c) {
                layers.add(c);
            }
        }
        return layers;
    }

    /**
     * What {@link #backwardToInputs} returns.
     *
     * @param gradient       the parameter gradients, as {@link #backward} returns them (views: valid until the next backward)
     * @param inputGradients {@code dLoss/dInput} by input name, each the shape of that input (copies)
     */
    public record Backward(Gradient gradient, Map<String, INDArray> inputGradients) {
        public Backward {
            inputGradients = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(inputGradients));
        }

        public INDArray inputGradient(String input) {
            INDArray g = inputGradients.get(input);
            if (g == null) throw new IllegalArgumentException("no input \"" + input + "\"; inputs: " + inputGradients.keySet());
            return g;
        }
    }

    /**
     * {@link #backward}, also returning the loss's gradient with respect to each of the graph's inputs: the error
     * this network passes back to whatever produced its input. When that is another network's output (a GAN's
     * generated image fed to the discriminator; DG-Net's decoder output re-encoded by the encoders), feeding it to
     * {@link #backward} of the producing network continues the chain rule across networks, while this network's
     * own parameters need not be updated (frozen for that step).
     *
     * <p>DL4J 1.0.0-M2.1 computes the input gradients inside {@code ComputationGraph.calcBackpropGradients} (it
     * sets each input vertex's epsilon) but its public {@code backpropGradient} clears them before returning, so
     * this calls the protected method with {@code clearLayers = false}, copies the input vertices' epsilons, then
     * clears every vertex as {@code backpropGradient} would. The graph's inference workspace mode is set to NONE for
     * the call (that mode decides whether backprop puts activation gradients in workspaces, which are closed by the
     * time the input gradients are read) and restored after. {@code ExternalBackpropTest} checks the result against
     * central differences.
     */
    public static Backward backwardToInputs(ComputationGraph graph, Map<String, INDArray> outputs,
                                            Map<String, INDArray> epsilons) {
        INDArray[] eps = externalErrors(graph, outputs, epsilons);
        ComputationGraphConfiguration conf = graph.getConfiguration();
        WorkspaceMode inference = conf.getInferenceWorkspaceMode();
        Map<String, INDArray> inputGradients = new LinkedHashMap<>();
        try {
            conf.setInferenceWorkspaceMode(WorkspaceMode.NONE);
            CalcBackprop.invoke(graph, conf.getBackpropType() == BackpropType.TruncatedBPTT, eps);
            List<String> inputs = conf.getNetworkInputs();
            for (int i = 0; i < inputs.size(); i++) {
                INDArray e = graph.getVertex(inputs.get(i)).getEpsilon();
                if (e == null) {
                    INDArray in = graph.getInput(i);
                    if (in == null) throw new IllegalStateException("no gradient reached input \"" + inputs.get(i) + "\"");
                    e = Nd4j.zeros(in.dataType(), in.shape());
                }
                inputGradients.put(inputs.get(i), e.dup());
            }
        } finally {
            conf.setInferenceWorkspaceMode(inference);
            for (GraphVertex v : graph.getVertices()) v.clear();
        }
        return new Backward(graph.getGradient(), inputGradients);
    }

    /** {@code ComputationGraph.calcBackpropGradients(clearLayers, truncatedBPTT, epsilons)}, protected in DL4J. */
    private static final class CalcBackprop {
        private static final java.lang.reflect.Method METHOD;

        static {
            try {
                METHOD = ComputationGraph.class.getDeclaredMethod("calcBackpropGradients", boolean.class, boolean.class,
                        INDArray[].class);
                METHOD.setAccessible(true);
            } catch (ReflectiveOperationException | RuntimeException e) {
                throw new IllegalStateException("this DL4J version has no ComputationGraph.calcBackpropGradients(boolean,"
                        + " boolean, INDArray...): input gradients need DL4J 1.0.0-M2.1's backprop", e);
            }
        }

        static void invoke(ComputationGraph graph, boolean truncatedBptt, INDArray[] eps) {
            try {
                METHOD.invoke(graph, false, truncatedBptt, eps);
            } catch (java.lang.reflect.InvocationTargetException e) {
                if (e.getCause() instanceof RuntimeException r) throw r;
                if (e.getCause() instanceof Error err) throw err;
                throw new IllegalStateException("backprop failed", e.getCause());
            } catch (IllegalAccessException e) {
                throw new IllegalStateException("cannot call ComputationGraph.calcBackpropGradients", e);
            }
        }
    }

    /** The graph's output errors in output order: validated copies, zeros for outputs without one. */
    private static INDArray[] externalErrors(ComputationGraph graph, Map<String, INDArray> outputs, Map<String, INDArray> epsilons) {
        List<String> names = graph.getConfiguration().getNetworkOutputs();
        for (String name : epsilons.keySet()) {
            if (!names.contains(name)) {
                throw new IllegalArgumentException("error given for \"" + name + "\", which is not an output of the graph; outputs: " + names);
            }
        }
        DataType type = graph.getConfiguration().getDataType();
        INDArray[] eps = new INDArray[names.size()];
        for (int i = 0; i < eps.length; i++) {
            String name = names.get(i);
            INDArray out = outputs.get(name);
            if (out == null) throw new IllegalArgumentException("outputs lack \"" + name + "\": pass what forward returned");
            INDArray e = epsilons.get(name);
            if (e == null) {
                eps[i] = Nd4j.zeros(type, out.shape());
            } else {
                if (!Arrays.equals(e.shape(), out.shape())) {
                    throw new IllegalArgumentException("error for output \"" + name + "\" has shape " + Arrays.toString(e.shape())
                            + ", the output has " + Arrays.toString(out.shape()));
                }
                eps[i] = e.castTo(type).dup();
            }
        }
        return eps;
    }

    /**
     * One optimizer step with the graph's own updater on {@code gradient} (from {@link #backward} on this graph):
     * L2 and the updater turn the gradient into an update in place, the parameters move by it (in one pass,
     * {@link FusedUpdate}, for FLOAT graphs with Adam and L2; DL4J's updater otherwise), the iteration count
     * goes up by one, and layer constraints (such as BNNeck's zero shift) are applied. Then the outputs the native
     * layers allocated in this graph's forward pass are freed ({@link StepOutputs}), and the step's other off-heap
     * garbage when the process has grown enough ({@link OffHeapCollector}).
     */
    public static void update(ComputationGraph graph, Gradient gradient) {
        if (gradient.gradient().length() != graph.numParams()) {
            throw new IllegalArgumentException("gradient has " + gradient.gradient().length() + " values, the graph "
                    + graph.numParams() + " parameters: pass what backward returned for this graph");
        }
        int iteration = graph.getIterationCount();
        int epoch = graph.getEpochCount();
        if (!FusedUpdate.apply(graph, gradient, iteration, epoch)) {
            ComputationGraphUpdater updater = graph.getUpdater(true);
            updater.update(gradient, iteration, epoch, 1, LayerWorkspaceMgr.noWorkspaces());
            graph.params().subi(gradient.gradient());
        }
        graph.getConfiguration().setIterationCount(iteration + 1);
        graph.applyConstraints(iteration + 1, epoch);
        StepOutputs.release(graph);
        OffHeapCollector.process().afterStep();
    }

    /**
     * One training step: {@link #forward}, the loss on the outputs, {@link #backward}, {@link #update}.
     *
     * @return the loss value before the update
     */
    public static double step(ComputationGraph graph, INDArray[] inputs, ExternalLoss loss) {
        Map<String, INDArray> outputs = forward(graph, inputs);
        Errors errors = loss.apply(outputs);
        if (!Double.isFinite(errors.loss())) {
            clear(graph);
            throw new IllegalStateException("loss is not finite (" + errors.loss() + "); the step was not applied");
        }
        update(graph, backward(graph, outputs, errors.epsilons()));
        return errors.loss();
    }

    /** Drops the layer inputs a {@link #forward} kept (when no backward follows). */
    public static void clear(ComputationGraph graph) {
        graph.clearLayersStates();
        StepOutputs.release(graph);
    }
}
