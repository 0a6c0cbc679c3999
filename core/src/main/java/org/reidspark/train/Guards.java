package org.reidspark.train;

import org.deeplearning4j.nn.graph.ComputationGraph;

import java.util.Map;

/** The NaN/Inf guard every trainer applies: to each step's loss terms, and to parameters before a checkpoint. */
public final class Guards {
    private Guards() {
    }

    /**
     * Fails with a clear message when a loss term is NaN or infinite.
     *
     * @param where       e.g. "epoch 3, step 12 (iteration 312)"
     * @param checkpoints where the last good checkpoint is, or null
     */
    public static void checkLosses(Map<String, Double> losses, String where, Checkpoints checkpoints) {
        if (!losses.containsKey("loss")) throw new IllegalStateException("a step must report its total as \"loss\"");
        for (Map.Entry<String, Double> e : losses.entrySet()) {
            if (!Double.isFinite(e.getValue())) {
                throw new TrainingDivergedException("loss term '" + e.getKey() + "' became " + e.getValue() + " at "
                        + where + "; training stopped. " + (checkpoints != null
                        ? "The last good checkpoint is kept at " + checkpoints.location() + "."
                        : "No checkpoint was configured.")
                        + " Try a lower learning rate or check the input data.");
            }
        }
    }

    /** Fails with a clear message when a step of {@code round} had a loss term that is NaN or infinite. */
    public static void checkRound(Round.Result round, String where, Checkpoints checkpoints) {
        if (round.diverged() != null) {
            checkLosses(round.diverged(), where + " (iteration " + round.divergedAt() + ")", checkpoints);
        }
    }

    /** Fails when any network's parameters are not finite (checked before a checkpoint overwrites the last good one). */
    public static void checkParameters(TrainingState state, String where, Checkpoints checkpoints) {
        for (Map.Entry<String, ComputationGraph> e : state.networks().asMap().entrySet()) {
            if (state.networks().frozen(e.getKey())) continue;
            double sum = e.getValue().params().sumNumber().doubleValue();
            if (!Double.isFinite(sum)) {
                throw new TrainingDivergedException("parameters of network '" + e.getKey() + "' are not finite " + where
                        + "; training stopped without overwriting the last good checkpoint"
                        + (checkpoints != null ? " (" + checkpoints.location() + ")" : ""));
            }
        }
    }

    /** Loss terms or metrics as "name value name value". */
    public static String format(Map<String, Double> values) {
        StringBuilder sb = new StringBuilder();
        for (Map.Entry<String, Double> e : values.entrySet()) {
            if (sb.length() > 0) sb.append(' ');
            sb.append(e.getKey()).append(' ').append(String.format("%.4f", e.getValue()));
        }
        return sb.toString();
    }

    /** A duration as "1h02m", "3m12s" or "45s" ({@link org.reidspark.progress.Progress#duration}). */
    public static String eta(double seconds) {
        return org.reidspark.progress.Progress.duration(seconds);
    }
}
