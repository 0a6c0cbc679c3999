package org.reidspark.model.backbone;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.reidspark.config.ConfigError;
import org.reidspark.model.ModelConfig;
import org.reidspark.model.NetworkOptions;
import org.reidspark.model.ReidNetwork;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ResNetTest {
    private static ModelConfig config(String backbone, double width, int lastStride, int h, int w) {
        return new ModelConfig(backbone, width, lastStride, h, w, true, "");
    }

    /** torchvision's parameter counts (resnet18/34/50: 11,689,512 / 21,797,672 / 25,557,032) minus the 1000-way fc. */
    @Test
    void parameterCountsMatchTorchvisionWithoutClassifier() {
        long resnet50 = trainable("resnet50");
        assertEquals(25_557_032L - 2_049_000L, resnet50);
        assertEquals(23_508_032L, resnet50);
        assertEquals(21_797_672L - 513_000L, trainable("resnet34"));
        assertEquals(11_689_512L - 513_000L, trainable("resnet18"));
    }

    private static long trainable(String backbone) {
        ComputationGraph g = ResNet.graph(config(backbone, 1.0, 2, 64, 32), NetworkOptions.bot(1));
        long n = ReidNetwork.trainableParams(g);
        // running mean and variance: 2 per BatchNorm channel, stored but not trained
        assertTrue(g.numParams() > n);
        return n;
    }

    @Test
    void featureMapShapeFollowsWidthAndLastStride() {
        INDArray x = Nd4j.rand(DataType.FLOAT, 2, 3, 64, 32);
        for (int lastStride : new int[]{1, 2}) {
            ComputationGraph g = ResNet.graph(config("resnet18", 0.125, lastStride, 64, 32), NetworkOptions.bot(1));
            INDArray map = g.outputSingle(false, x);
            // 64x32 -> 32x16 (conv1) -> 16x8 (max pool) -> 16x8 -> 8x4 -> 4x2 -> 4x2 (last stride 1) or 2x1
            long[] expected = lastStride == 1 ? new long[]{2, 64, 4, 2} : new long[]{2, 64, 2, 1};
            assertArrayEquals(expected, map.shape(), "last stride " + lastStride);
            assertEquals(expected[2], ResNet.outputSize(64, lastStride));
            assertEquals(expected[3], ResNet.outputSize(32, lastStride));
        }
        // BoT's 256x128 input: 16x8 with last stride 1, 8x4 with 2
        assertEquals(16, ResNet.outputSize(256, 1));
        assertEquals(8, ResNet.outputSize(128, 1));
        assertEquals(8, ResNet.outputSize(256, 2));
    }

    @Test
    void widthScalesChannels() {
        assertEquals(2048, ResNet.outputChannels(Backbones.byName("resnet50"), 1.0));
        assertEquals(512, ResNet.outputChannels(Backbones.byName("resnet50"), 0.25));
        assertEquals(128, ResNet.outputChannels(Backbones.byName("resnet18"), 0.25));
        assertEquals(8, ResNet.outputChannels(Backbones.byName("resnet18"), 1.0 / 64));
        assertEquals(16, ResNet.baseWidth(0.25));
    }

    @Test
    void layerNamesFollowTorchvision() {
        List<String> r18 = ReidNetwork.backboneLayers(config("resnet18", 1.0, 1, 64, 32));
        assertEquals(List.of("conv1", "bn1", "layer1.0.conv1", "layer1.0.bn1", "layer1.0.conv2", "layer1.0.bn2"), r18.subList(0, 6));
        assertFalse(r18.contains("layer1.0.downsample.0"), "basic blocks keep 64 channels in stage 1: no downsample");
        assertTrue(r18.containsAll(List.of("layer2.0.downsample.0", "layer2.0.downsample.1", "layer4.1.bn2")));
        assertEquals(2 + 8 * 4 + 3 * 2, r18.size());
        List<String> r50 = ReidNetwork.backboneLayers(config("resnet50", 1.0, 1, 64, 32));
        assertTrue(r50.containsAll(List.of("layer1.0.downsample.0", "layer3.5.conv3", "layer4.2.bn3")));
        assertEquals(2 + 16 * 6 + 4 * 2, r50.size());
    }

    @Test
    void unknownBackboneListsKnownOnes() {
        ConfigError e = assertThrows(ConfigError.class, () -> Backbones.byName("resnet101"));
        assertTrue(e.getMessage().contains("resnet101") && e.getMessage().contains("resnet18, resnet34, resnet50"), e.getMessage());
    }
}
