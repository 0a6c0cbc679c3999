package org.reidspark.method;

import org.reidspark.artifact.Storage;
import org.reidspark.data.batch.TrainingInputs;
import org.reidspark.embed.TestNetwork;
import org.reidspark.report.ReportSection;
import org.reidspark.train.LearningRates;
import org.reidspark.train.NetworkSet;
import org.reidspark.train.Step;
import org.reidspark.train.TrainingState;

import java.io.Serializable;
import java.util.List;

/**
 * One paper's recipe, everything a trainer, the evaluation and the extract job need of it. {@link Methods} makes one
 * from the run's config (its {@link MethodConfig} validated before any work); it is {@link Serializable} and is
 * shipped as it is to the Spark executors, where the same calls build the same batches, networks and step.
 * <ul>
 *   <li>{@link #trainingInputs()}: what its batches are (sampler, image views, per-sample fields);</li>
 *   <li>{@link #initialize}: its networks, each with a merge rule (a {@code FROZEN} network, such as a teacher, is
 *       loaded here from storage and then sent to each executor once, never trained, averaged or sent back), and its
 *       auxiliary state (centers, memory banks keyed by sample);</li>
 *   <li>{@link #step}: one update from one batch; {@link #learningRates()}: the base rate of every trained network
 *       (and layer), which the schedule multiplies;</li>
 *   <li>{@link #testNetwork}: its test features and matching rule, from the trained networks.</li>
 * </ul>
 * docs/methods.md says how to add one.
 */
public interface Method extends Serializable {
    /** The config name, e.g. {@code bot}. */
    String name();

    /** Its typed, validated settings. */
    MethodConfig config();

    /** What its training batches are; built where the batches are made (the driver or an executor). */
    TrainingInputs trainingInputs();

    /**
     * Fresh networks and auxiliary state.
     *
     * @param seed    the run seed (weight initialization)
     * @param storage reads pretrained weights and frozen networks (local or Hadoop URIs)
     */
    TrainingState initialize(TrainingData data, long seed, Storage storage);

    /** The update rule; built once per trainer (and per Spark task), applied to any state of this method. */
    Step step(TrainingData data, long seed);

    /** Base learning rates of its trained networks; the schedule multiplies them. */
    LearningRates learningRates();

    /**
     * The test-time network over its trained networks (a training state's, or those a published run's
     * {@code model/} holds: every network that is not frozen).
     */
    TestNetwork testNetwork(NetworkSet networks);

    /**
     * The sections this method adds to a run's report after the common ones (DCR: predicted foreground, stripes and
     * visibility; CAL: both protocols; DG-Net: a generation grid). BoT adds none.
     */
    default List<ReportSection> reportSections() {
        return List.of();
    }
}
