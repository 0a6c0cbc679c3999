package org.reidspark.method;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.reidspark.train.Step;
import org.reidspark.train.TrainingState;

import java.util.Map;

/**
 * One paper's recipe: the networks it trains, its losses and update rule (its {@link Step}), and the network
 * that produces test embeddings. {@link Methods} maps a config name to a method.
 */
public interface Method {
    /** The config name, e.g. {@code bot}. */
    String name();

    /** Fresh networks and auxiliary state for the training data described by {@code setup}. */
    TrainingState initialize(MethodSetup setup);

    /** The update rule; built once per trainer (and per Spark task), applied to any state of this method. */
    Step step(MethodSetup setup);

    /** Base learning rate per network name; the schedule multiplies them. */
    Map<String, Double> baseLearningRates(MethodSetup setup);

    /** The network whose {@code embedding} output is the test feature. */
    ComputationGraph inferenceNetwork(TrainingState state);
}
