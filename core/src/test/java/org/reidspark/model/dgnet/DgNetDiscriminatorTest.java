package org.reidspark.model.dgnet;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.NoOp;
import org.reidspark.model.ExternalBackprop;
import org.reidspark.model.NetworkOptions;
import org.reidspark.testing.NumericalGradient;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * DG-Net's multi-scale discriminator: the official layer list (its parameter count worked out by hand from
 * {@code MsImageDis._make_net}) and output sizes, the average pooling between scales leaving the padding out of the
 * divisor, the N(0, 0.02) weights, the LSGAN losses against their formulas and central differences, and every
 * parameter and input gradient of a tiny discriminator against central differences in double precision.
 */
@ExtendWith(NumericalGradient.DoublePrecision.class)
class DgNetDiscriminatorTest {
    /** 16x16 input, dim 2, two downsampling layers, one residual block, 2 scales: outputs 4x4 and 2x2. */
    private static final DiscriminatorSpec TINY = new DiscriminatorSpec(16, 16, 2, 2, 1, 2);
    private static final NetworkOptions DOUBLE = new NetworkOptions(5, DataType.DOUBLE, new NoOp(), 0);

    private static ComputationGraph init(DiscriminatorSpec spec, NetworkOptions options) {
        ComputationGraph g = new ComputationGraph(DgNetDiscriminator.of(spec, options));
        g.init();
        return g;
    }

    /** Parameters of one official scale (dim d, n_layer layers, n_res blocks), from MsImageDis._make_net. */
    private static long scaleParameters(int d, int layers, int res) {
        long n = 3L * d + d;           // 1x1 conv 3 -> d
        n += 2 * (9L * d * d + d);     // 3x3 d -> d, twice (stride 1, stride 2)
        for (int i = 1; i < layers; i++) {
            int d2 = Math.min(2 * d, 512);
            n += 9L * d * d + d;       // 3x3 d -> d
            n += 9L * d * d2 + d2;     // 3x3 d -> d2, stride 2
            d = d2;
        }
        n += res * 2 * (9L * d * d + d);
        return n + d + 1;              // 1x1 conv d -> 1
    }

    @Test
    void theOfficialLayersAndOutputSizes() {
        DiscriminatorSpec official = DiscriminatorSpec.official();
        ComputationGraph d = init(official, new NetworkOptions(1, DataType.FLOAT, new NoOp(), 0));
        assertEquals(3 * scaleParameters(32, 2, 4), d.numParams(), "three scales of MsImageDis._make_net");
        INDArray[] out = d.output(false, Nd4j.rand(DataType.FLOAT, 1, 3, 256, 128));
        assertEquals(3, out.length);
        assertArrayEquals(new long[]{1, 1, 64, 32}, out[0].shape());
        assertArrayEquals(new long[]{1, 1, 32, 16}, out[1].shape());
        assertArrayEquals(new long[]{1, 1, 16, 8}, out[2].shape());
        // weights N(0, 0.02), biases 0 (weights_init('gaussian'))
        INDArray w = d.getLayer("s0_c1_conv").getParam("W");
        assertEquals(0.02, w.stdNumber().doubleValue(), 0.002);
        assertEquals(0, d.getLayer("s0_c1_conv").getParam("b").amaxNumber().doubleValue());
        assertThrows(IllegalArgumentException.class, () -> new DiscriminatorSpec(256, 128, 32, 2, 4, 7),
                "seven scales leave no map at 256x128");
    }

    @Test
    void averagePoolingBetweenScalesLeavesThePaddingOutOfTheDivisor() {
        ComputationGraph d = init(TINY, DOUBLE);
        Nd4j.getRandom().setSeed(4);
        INDArray x = Nd4j.rand(DataType.DOUBLE, 1, 3, 16, 16);
        INDArray pooled = d.feedForward(new INDArray[]{x}, false, false).get("down1");
        assertArrayEquals(new long[]{1, 3, 8, 8}, pooled.shape());
        for (int c = 0; c < 3; c++) {
            for (int i = 0; i < 8; i++) {
                for (int j = 0; j < 8; j++) {
                    double sum = 0;
                    int n = 0;
                    for (int y = 2 * i - 1; y <= 2 * i + 1; y++) {
                        for (int z = 2 * j - 1; z <= 2 * j + 1; z++) {
                            if (y < 0 || z < 0 || y >= 16 || z >= 16) continue;
                            sum += x.getDouble(0, c, y, z);
                            n++;
                        }
                    }
                    assertEquals(sum / n, pooled.getDouble(0, c, i, j), 1e-12, "window " + c + "," + i + "," + j);
                }
            }
        }
    }

    @Test
    void lsganLossesAndTheirGradients() {
        Nd4j.getRandom().setSeed(6);
        List<INDArray> fake = List.of(Nd4j.randn(DataType.DOUBLE, 2, 1, 4, 2), Nd4j.randn(DataType.DOUBLE, 2, 1, 2, 1));
        List<INDArray> real = List.of(Nd4j.randn(DataType.DOUBLE, 2, 1, 4, 2), Nd4j.randn(DataType.DOUBLE, 2, 1, 2, 1));
        double expectedD = 0;
        double expectedG = 0;
        for (int k = 0; k < 2; k++) {
            double[] f = fake.get(k).dup().data().asDouble();
            double[] r = real.get(k).dup().data().asDouble();
            double sf = 0;
            double sr = 0;
            double sg = 0;
            for (int i = 0; i < f.length; i++) {
                sf += f[i] * f[i];
                sr += (r[i] - 1) * (r[i] - 1);
                sg += (f[i] - 1) * (f[i] - 1);
            }
            expectedD += sf / f.length + sr / r.length;
            expectedG += 2 * sg / f.length;
        }
        DgNetDiscriminator.DiscriminatorLoss dl = DgNetDiscriminator.discriminatorLoss(fake, real);
        DgNetDiscriminator.Loss gl = DgNetDiscriminator.generatorLoss(fake);
        assertEquals(expectedD, dl.value(), 1e-12);
        assertEquals(expectedG, gl.value(), 1e-12);
        for (int k = 0; k < 2; k++) {
            int scale = k;
            NumericalGradient.Report f = NumericalGradient.check(v -> {
                List<INDArray> changed = new ArrayList<>(fake);
                changed.set(scale, v);
                return DgNetDiscriminator.discriminatorLoss(changed, real).value();
            }, fake.get(k).dup(), dl.fakeGradients().get(k));
            assertTrue(f.passed(), "D loss, fake scale " + k + ": " + f);
            NumericalGradient.Report r = NumericalGradient.check(v -> {
                List<INDArray> changed = new ArrayList<>(real);
                changed.set(scale, v);
                return DgNetDiscriminator.discriminatorLoss(fake, changed).value();
            }, real.get(k).dup(), dl.realGradients().get(k));
            assertTrue(r.passed(), "D loss, real scale " + k + ": " + r);
            NumericalGradient.Report g = NumericalGradient.check(v -> {
                List<INDArray> changed = new ArrayList<>(fake);
                changed.set(scale, v);
                return DgNetDiscriminator.generatorLoss(changed).value();
            }, fake.get(k).dup(), gl.gradients().get(k));
            assertTrue(g.passed(), "G loss, scale " + k + ": " + g);
        }
    }

    @Test
    void gradientsMatchCentralDifferences() {
        ComputationGraph d = init(TINY, DOUBLE);
        // N(0, 0.02) weights leave the deep activations within a central difference's step of LeakyReLU's kink: the
        // check runs with activations of order one (He-scaled weights, small random biases; the wiring is what it
        // checks, not the initialization)
        Nd4j.getRandom().setSeed(7);
        for (Map.Entry<String, INDArray> p : d.paramTable().entrySet()) {
            INDArray v = p.getValue();
            double std = v.rank() == 4 ? Math.sqrt(2.0 / (v.size(1) * v.size(2) * v.size(3))) : 0.1;
            v.assign(Nd4j.randn(DataType.DOUBLE, v.shape()).muli(std));
        }
        INDArray x = Nd4j.randn(DataType.DOUBLE, 1, 3, 16, 16); // no batch statistics in D: one image checks the wiring
        Map<String, INDArray> weights = new HashMap<>();
        weights.put(DgNetDiscriminator.output(0), Nd4j.randn(DataType.DOUBLE, 1, 1, 4, 4));
        weights.put(DgNetDiscriminator.output(1), Nd4j.randn(DataType.DOUBLE, 1, 1, 2, 2));
        Map<String, INDArray> out = ExternalBackprop.forward(d, x);
        assertArrayEquals(new long[]{1, 1, 4, 4}, out.get("d0").shape());
        assertArrayEquals(new long[]{1, 1, 2, 2}, out.get("d1").shape());
        ExternalBackprop.Backward back = ExternalBackprop.backwardToInputs(d, out, weights);
        INDArray dParams = back.gradient().gradient().dup();
        NumericalGradient.Report rp = NumericalGradient.check(v -> loss(d, weights, x), d.params(), dParams.reshape(d.params().shape()), 0, 5);
        assertTrue(rp.passed(), "discriminator parameters: " + rp);
        // every 3rd of the 768 input elements: all channels, rows and columns (3 and 16 are coprime)
        NumericalGradient.Report rx = NumericalGradient.check(v -> loss(d, weights, v), x, back.inputGradient("image"), 0, 3);
        assertTrue(rx.passed(), "image: " + rx);
    }

    private static double loss(ComputationGraph d, Map<String, INDArray> weights, INDArray x) {
        INDArray[] out = d.output(true, x);
        double sum = 0;
        for (int k = 0; k < out.length; k++) sum += out[k].mul(weights.get(DgNetDiscriminator.output(k))).sumNumber().doubleValue();
        return sum;
    }
}
