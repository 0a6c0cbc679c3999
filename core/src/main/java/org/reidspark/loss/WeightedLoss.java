package org.reidspark.loss;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.reidspark.model.ExternalBackprop;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A weighted sum of losses, each reading one named network output: {@code L = sum_t w_t L_t(output_t, targets)}.
 * Its gradient with respect to each output is the weighted sum of the gradients of the terms reading that output.
 * BoT (https://arxiv.org/abs/1903.07071): 1.0 x label-smoothed cross-entropy on the logits + 1.0 x batch-hard
 * triplet on the pre-BN feature + 5e-4 x center loss on the pre-BN feature.
 */
public final class WeightedLoss {
    /**
     * One term of the sum.
     *
     * @param name   the term's name in logs and metrics ({@code id}, {@code triplet}, {@code center})
     * @param output the network output it reads
     * @param weight its weight (> 0)
     * @param loss   the loss
     */
    public record Term(String name, String output, double weight, Loss loss) {
        public Term {
            if (!(weight > 0) || Double.isInfinite(weight)) throw new IllegalArgumentException("weight of loss " + name + " must be > 0, got " + weight);
        }
    }

    /**
     * The sum's value, each term's (unweighted) value, and {@code dL/dOutput} per output name.
     */
    public record Result(double total, Map<String, Double> terms, Map<String, INDArray> epsilons) {
        /** As external errors for {@link ExternalBackprop}. */
        public ExternalBackprop.Errors errors() {
            return new ExternalBackprop.Errors(total, epsilons);
        }
    }

    private final List<Term> terms;

    public WeightedLoss(List<Term> terms) {
        if (terms.isEmpty()) throw new IllegalArgumentException("a weighted loss needs at least one term");
        this.terms = List.copyOf(terms);
    }

    public List<Term> terms() {
        return terms;
    }

    /** The loss of the term named {@code name}, or null. */
    public Loss loss(String name) {
        return terms.stream().filter(t -> t.name().equals(name)).map(Term::loss).findFirst().orElse(null);
    }

    /** {@link #compute(Map, Targets)} with class labels only. */
    public Result compute(Map<String, INDArray> outputs, int[] labels) {
        return compute(outputs, Targets.of(labels));
    }

    /** Evaluates every term on {@code outputs} (by output name) and {@code targets}, and sums. */
    public Result compute(Map<String, INDArray> outputs, Targets targets) {
        double total = 0;
        Map<String, Double> values = new LinkedHashMap<>();
        Map<String, INDArray> epsilons = new LinkedHashMap<>();
        for (Term t : terms) {
            INDArray input = outputs.get(t.output());
            if (input == null) {
                throw new IllegalArgumentException("loss " + t.name() + " reads output \"" + t.output()
                        + "\", which the network does not have; outputs: " + new ArrayList<>(outputs.keySet()));
            }
            LossResult r = t.loss().compute(input, targets);
            values.put(t.name(), r.value());
            total += t.weight() * r.value();
            INDArray g = r.gradient().mul(t.weight());
            epsilons.merge(t.output(), g, INDArray::addi);
        }
        return new Result(total, values, epsilons);
    }

    /** This sum with fixed targets, as the loss of one {@link ExternalBackprop#step}. */
    public ExternalBackprop.ExternalLoss on(Targets targets) {
        return outputs -> compute(outputs, targets).errors();
    }
}
