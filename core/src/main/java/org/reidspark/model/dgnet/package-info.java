/**
 * DG-Net's networks (https://arxiv.org/abs/1904.07223; official code github.com/NVlabs/DG-Net): the generator's
 * structure encoder and decoder ({@link org.reidspark.model.dgnet.DgNetGenerator}, sized by
 * {@link org.reidspark.model.dgnet.GeneratorSpec}), built from the layers of {@code org.reidspark.model.norm}. The
 * discriminator, the losses and the method are still to come (docs/dgnet-official-code.md is the plan).
 */
package org.reidspark.model.dgnet;
