/**
 * Backbones (image -> feature map): the ResNet family in torchvision's layout built into DL4J
 * {@code ComputationGraph}s ({@link org.reidspark.model.backbone.ResNet}), with a width multiplier and the last-stride
 * option, and the {@link org.reidspark.model.backbone.Backbones} switch from config names to layouts. The layers the
 * backbones are built from come through {@link org.reidspark.model.backbone.Implementations}: DL4J's own, or the
 * native ones ({@link org.reidspark.model.backbone.NativeConvolution},
 * {@link org.reidspark.model.backbone.NativeBatchNormalization}, {@link org.reidspark.model.backbone.NativeRelu},
 * {@link org.reidspark.model.backbone.NativeSubsampling}: a configuration class and its layer class each; the residual
 * sum {@link org.reidspark.model.backbone.NativeAdd}, a vertex configuration and its vertex), which run
 * ND4J's native operations, on oneDNN where that is faster, and BatchNorm's training passes on small maps as Java
 * loops ({@link org.reidspark.model.backbone.BatchNormKernels}; docs/performance.md). In float on the CPU backend the
 * convolutions, the larger BatchNorms, max pooling and ReLU's backward pass call oneDNN's primitives directly
 * ({@code OneDnn}, {@code OneDnnConvolution}, {@code OneDnnBatchNorm}, {@code OneDnnPooling}, {@code OneDnnRelu})
 * rather than through libnd4j's wrapper; ResNet's ReLUs and residual sums run in place in training. For inference,
 * {@link org.reidspark.model.backbone.InferenceFolding} makes a copy of a trained graph with each convolution's
 * BatchNorm (and the ReLU after it) folded into the convolution, which the test networks run.
 * {@link org.reidspark.model.backbone.FencedExecutioner} is ND4J's executioner with every operation's operands kept
 * reachable until its native call returns, installed by ND4J itself while it initialises.
 */
package org.reidspark.model.backbone;
