/**
 * Custom layers with hand-written backward passes (each checked against central differences in double precision),
 * written like the native backbone layers rather than as DL4J SameDiff layers (whose gradients are 2x, see
 * PLATFORM.md): DCR's part locator and foreground head ({@link org.reidspark.model.layer.ChannelGeM},
 * {@link org.reidspark.model.layer.ChannelSoftmax}), its branches' detached mask weighting
 * ({@link org.reidspark.model.layer.MaskedMapVertex}), and its straight-through Gumbel-Softmax stripes
 * ({@link org.reidspark.model.layer.GumbelStripes}, applied to a graph output outside the graph); PAUL's patch
 * sampler, PyTorch's {@code affine_grid} + {@code grid_sample} as a graph vertex
 * ({@link org.reidspark.model.layer.BilinearSampler}), and the horizontal-stripe thetas its patch generation network
 * starts from ({@link org.reidspark.model.layer.PatchStripes}); and the bases of the project's parameter-free vertices
 * (here, in the backbone and in the normalizations): {@link org.reidspark.model.layer.ParameterFreeVertex} for the
 * vertices, {@link org.reidspark.model.layer.ParameterFreeVertexConfiguration} for their configurations.
 */
package org.reidspark.model.layer;
