package org.reidspark.model;

import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.updater.graph.ComputationGraphUpdater;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

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
     * {@link #backward}.
     *
     * @return the graph's outputs by name, in the graph's output order (copies, still valid after backward and update)
     */
    public static Map<String, INDArray> forward(ComputationGraph graph, INDArray... inputs) {
        if (graph.getConfiguration().getTrainingWorkspaceMode() != WorkspaceMode.NONE) {
            throw new IllegalStateException("external-error training needs a graph built with training workspace mode NONE"
                    + " (ResNet.baseBuilder sets it): with workspaces, layers such as BatchNorm keep arrays from the forward"
                    + " pass in a workspace that is closed before backward");
        }
        Map<String, INDArray> all = graph.feedForward(inputs, true, false);
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
        return graph.backpropGradient(eps);
    }

    /**
     * One optimizer step with the graph's own updater on {@code gradient} (from {@link #backward} on this graph):
     * L2 and the updater turn the gradient into an update in place, the parameters move by it, the iteration count
     * goes up by one, and layer constraints (such as BNNeck's zero shift) are applied.
     */
    public static void update(ComputationGraph graph, Gradient gradient) {
        if (gradient.gradient().length() != graph.numParams()) {
            throw new IllegalArgumentException("gradient has " + gradient.gradient().length() + " values, the graph "
                    + graph.numParams() + " parameters: pass what backward returned for this graph");
        }
        int iteration = graph.getIterationCount();
        int epoch = graph.getEpochCount();
        ComputationGraphUpdater updater = graph.getUpdater(true);
        updater.update(gradient, iteration, epoch, 1, LayerWorkspaceMgr.noWorkspaces());
        graph.params().subi(gradient.gradient());
        graph.getConfiguration().setIterationCount(iteration + 1);
        graph.applyConstraints(iteration + 1, epoch);
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
    }
}
