/**
 * The re-ID network and how it trains: {@link org.reidspark.model.ModelConfig} ({@code reid.model}),
 * {@link org.reidspark.model.ReidNetwork} (backbone + head as one DL4J {@code ComputationGraph} with outputs
 * feature, logits and embedding), {@link org.reidspark.model.ExternalBackprop} (losses computed outside the graph fed
 * back as external errors and applied with the graph's own updater, as one pass over the flat arrays for Adam with L2,
 * {@link org.reidspark.model.FusedUpdate}; {@link org.reidspark.model.FloatMemory} reads and writes FLOAT arrays
 * without a native call for such passes, and {@link org.reidspark.model.ThreadShare} splits such loops among the
 * calling thread's native threads; after each update {@link org.reidspark.model.StepOutputs} frees the
 * outputs the native layers and vertices allocated in the step, and {@link org.reidspark.model.OffHeapCollector} the step's other
 * off-heap garbage when due) and
 * {@link org.reidspark.model.PretrainedWeights} (backbone weights from a DL4J zip or a torchvision {@code .npz}).
 * Backbones live in {@code backbone}, heads in {@code head}.
 */
package org.reidspark.model;
