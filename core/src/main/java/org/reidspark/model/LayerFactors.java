package org.reidspark.model;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * A learning-rate factor for some layers of a graph, applied after the optimizer step: each trained parameter of those
 * layers ends at {@code before + factor * (after - before)}. For SGD, Nesterov momentum and Adam (whose update is
 * linear in the learning rate and whose state does not depend on it) this is the step with the layer's rate times
 * {@code factor}, exactly; factor 0 keeps the parameters. BatchNorm's running mean and variance (DL4J keeps them among
 * the parameters) are left as the step made them, as PyTorch updates them in training mode whatever the rate. Used
 * because DL4J 1.0.0-M2.1's per-layer rate fails for a layer at or before a BatchNorm (docs/methods.md): PAUL's patch
 * generation network (a BatchNorm after its convolution) trains at rate 0 in the unsupervised stage
 * (https://arxiv.org/abs/1904.01308; official {@code PatchNetUn.get_param}); DG-Net's heads train at 10x Ea's rate
 * (https://arxiv.org/abs/1904.07223; official {@code trainer.py}'s {@code id_opt}).
 */
public final class LayerFactors {
    private static final Set<String> RUNNING = Set.of("mean", "var", "log10stdev");

    /**
     * Whether {@code key}, a parameter's name ({@code mean}) or a graph-wide one ({@code <layer>_mean}), is one of
     * BatchNorm's running statistics, which DL4J keeps among the parameters and "updates" through the gradient.
     */
    public static boolean isRunningStatistic(String key) {
        return RUNNING.contains(key.substring(key.lastIndexOf('_') + 1));
    }
    private final Map<String, Double> factors;

    public LayerFactors(Map<String, Double> factors) {
        this.factors = Map.copyOf(factors);
    }

    public boolean isEmpty() {
        return factors.isEmpty();
    }

    /** Copies of the trained parameters of the factored layers, before the step. */
    public Map<String, INDArray> snapshot(ComputationGraph graph) {
        Map<String, INDArray> before = new LinkedHashMap<>();
        for (String layer : factors.keySet()) {
            if (factors.get(layer) == 1.0) continue;
            Layer l = graph.getLayer(layer);
            for (Map.Entry<String, INDArray> p : l.paramTable().entrySet()) {
                if (!isRunningStatistic(p.getKey())) before.put(layer + "/" + p.getKey(), p.getValue().dup());
            }
        }
        return before;
    }

    /** Puts {@code before + factor * (after - before)} into the factored layers. */
    public void apply(ComputationGraph graph, Map<String, INDArray> before) {
        for (Map.Entry<String, INDArray> e : before.entrySet()) {
            int at = e.getKey().lastIndexOf('/');
            String layer = e.getKey().substring(0, at);
            double f = factors.get(layer);
            INDArray now = graph.getLayer(layer).getParam(e.getKey().substring(at + 1));
            if (f == 0) now.assign(e.getValue());
            else now.assign(e.getValue().add(now.sub(e.getValue()).muli(f)));
        }
    }

    /** One update with the factors: snapshot, {@link ExternalBackprop#update}, interpolation. */
    public void update(ComputationGraph graph, org.deeplearning4j.nn.gradient.Gradient gradient) {
        Map<String, INDArray> before = snapshot(graph);
        ExternalBackprop.update(graph, gradient);
        apply(graph, before);
    }
}
