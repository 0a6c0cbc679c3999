/**
 * DG-Net (https://arxiv.org/abs/1904.07223) on the method contract: its config, the method (Ea, Es, G, D and an optional
 * frozen teacher), the step with its three optimizers and ramps, its losses and the test network. The networks
 * themselves are in {@code org.reidspark.model.dgnet}.
 */
package org.reidspark.method.dgnet;
