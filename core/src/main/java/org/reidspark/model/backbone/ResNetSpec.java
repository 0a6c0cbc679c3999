package org.reidspark.model.backbone;

import java.util.List;

/**
 * One member of the ResNet family (He et al., "Deep Residual Learning for Image Recognition", CVPR 2016,
 * https://arxiv.org/abs/1512.03385): the block kind and how many blocks each of the four stages holds.
 *
 * @param name       the config name ({@code resnet50})
 * @param bottleneck bottleneck blocks (1x1, 3x3, 1x1, expansion 4) instead of basic blocks (3x3, 3x3, expansion 1)
 * @param blocks     blocks in stages layer1..layer4
 */
public record ResNetSpec(String name, boolean bottleneck, List<Integer> blocks) {
    public ResNetSpec {
        blocks = List.copyOf(blocks);
        if (blocks.size() != 4 || blocks.stream().anyMatch(b -> b < 1)) {
            throw new IllegalArgumentException("a ResNet has 4 stages of at least one block each, got " + blocks);
        }
    }

    /** Output channels of a block relative to its planes: 4 for bottlenecks, 1 for basic blocks. */
    public int expansion() {
        return bottleneck ? 4 : 1;
    }
}
