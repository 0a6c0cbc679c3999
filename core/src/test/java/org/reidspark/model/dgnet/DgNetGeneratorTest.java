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

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * DG-Net's generator graphs: the official shapes (the structure code at a quarter of the input with 8 d channels, the
 * image back at full size), both codes changing the image, and every parameter
 * and input gradient of a tiny generator against central differences in double precision (the wiring: reflection
 * padding, dilated convolutions, instance and layer norm, AdaIN, residual adds, upsampling).
 */
@ExtendWith(NumericalGradient.DoublePrecision.class)
class DgNetGeneratorTest {
    /** 16x16 input: a 4x4 structure map with 8 channels, ASPP dilations 1, 2, 3; one residual block; chunks of 4. */
    private static final GeneratorSpec TINY = new GeneratorSpec(16, 16, 1, 1, List.of(1, 2, 3), 3, 4);
    private static final NetworkOptions DOUBLE = new NetworkOptions(11, DataType.DOUBLE, new NoOp(), 0);

    private static ComputationGraph init(org.deeplearning4j.nn.conf.ComputationGraphConfiguration conf) {
        ComputationGraph g = new ComputationGraph(conf);
        g.init();
        return g;
    }

    private static double loss(ComputationGraph g, INDArray weights, INDArray... in) {
        return g.output(true, in)[0].mul(weights).sumNumber().doubleValue();
    }

    @Test
    void theOfficialShapes() {
        GeneratorSpec spec = new GeneratorSpec(32, 16, 2, 2, List.of(1, 2, 3), 8, 6);
        NetworkOptions f = new NetworkOptions(3, DataType.FLOAT, new NoOp(), 0);
        ComputationGraph es = init(DgNetGenerator.structureEncoder(spec, f));
        ComputationGraph dec = init(DgNetGenerator.decoder(spec, f));
        INDArray s = es.output(false, Nd4j.rand(DataType.FLOAT, 3, 1, 32, 16))[0];
        assertArrayEquals(new long[]{3, 16, 8, 4}, s.shape(), "8 d channels at a quarter of the input");
        INDArray image = dec.output(false, s, Nd4j.rand(DataType.FLOAT, 3, spec.appearanceSize()))[0];
        assertArrayEquals(new long[]{3, 3, 32, 16}, image.shape());
        // the official network's sizes at 256x128
        GeneratorSpec official = GeneratorSpec.official();
        assertEquals(128, official.structureChannels());
        assertEquals(8192, official.appearanceSize(), "four chunks of 2048");
        assertThrows(IllegalArgumentException.class, () -> new GeneratorSpec(32, 16, 2, 2, List.of(3, 6, 9), 8, 6),
                "dilation 6 on a 8x4 map cannot be reflection-padded");
    }

    @Test
    void anotherAppearanceGivesAnotherImageOfTheSameStructure() {
        ComputationGraph dec = init(DgNetGenerator.decoder(TINY, DOUBLE));
        Nd4j.getRandom().setSeed(1);
        INDArray s = Nd4j.randn(DataType.DOUBLE, 2, 8, 4, 4);
        INDArray a = Nd4j.randn(DataType.DOUBLE, 2, 4);
        INDArray b = Nd4j.randn(DataType.DOUBLE, 2, 4);
        INDArray one = dec.output(false, s, a)[0];
        assertTrue(!one.equalsWithEps(dec.output(false, s, b)[0], 1e-9), "another appearance, another image");
        assertEquals(one, dec.output(false, s, a.dup())[0], "the same appearance and structure, the same image");
        assertTrue(!one.equalsWithEps(dec.output(false, s.mul(-1), a)[0], 1e-9), "another structure, another image");
    }

    @Test
    void decoderGradientsMatchCentralDifferences() {
        ComputationGraph dec = init(DgNetGenerator.decoder(TINY, DOUBLE));
        Nd4j.getRandom().setSeed(2);
        INDArray s = Nd4j.randn(DataType.DOUBLE, 2, 8, 4, 4);
        INDArray a = Nd4j.randn(DataType.DOUBLE, 2, 4);
        INDArray weights = Nd4j.randn(DataType.DOUBLE, 2, 3, 16, 16);
        Map<String, INDArray> out = ExternalBackprop.forward(dec, s, a);
        ExternalBackprop.Backward back = ExternalBackprop.backwardToInputs(dec, out, Map.of("image", weights));
        INDArray dParams = back.gradient().gradient().dup();
        NumericalGradient.Report rp = NumericalGradient.check(v -> loss(dec, weights, s, a), dec.params(), dParams.reshape(dec.params().shape()), 0, 7);
        assertTrue(rp.passed(), "decoder parameters: " + rp);
        NumericalGradient.Report rs = NumericalGradient.check(v -> loss(dec, weights, v, a), s, back.inputGradient("structure"));
        assertTrue(rs.passed(), "structure code: " + rs);
        NumericalGradient.Report ra = NumericalGradient.check(v -> loss(dec, weights, s, v), a, back.inputGradient("appearance"));
        assertTrue(ra.passed(), "appearance code: " + ra);
    }

    @Test
    void structureEncoderGradientsMatchCentralDifferences() {
        ComputationGraph es = init(DgNetGenerator.structureEncoder(TINY, DOUBLE));
        Nd4j.getRandom().setSeed(3);
        INDArray gray = Nd4j.randn(DataType.DOUBLE, 2, 1, 16, 16);
        INDArray weights = Nd4j.randn(DataType.DOUBLE, 2, 8, 4, 4);
        Map<String, INDArray> out = ExternalBackprop.forward(es, gray);
        ExternalBackprop.Backward back = ExternalBackprop.backwardToInputs(es, out, Map.of("structure", weights));
        // every convolution of Es is followed by an instance norm, which removes its bias: the bias gradients are 0, where
        // central differences give only rounding noise (about 1e-8), so they are checked to be 0 and the weights numerically
        Map<String, INDArray> grads = new java.util.LinkedHashMap<>();
        back.gradient().gradientForVariable().forEach((k, g) -> grads.put(k, g.dup()));
        int checked = 0;
        for (Map.Entry<String, INDArray> e : grads.entrySet()) {
            if (e.getKey().endsWith("_b")) {
                assertTrue(e.getValue().amaxNumber().doubleValue() < 1e-12, e.getKey() + " before an instance norm has no gradient");
                continue;
            }
            NumericalGradient.Report rp = NumericalGradient.check(v -> loss(es, weights, gray), es.getParam(e.getKey()), e.getValue(), 0, 5);
            assertTrue(rp.passed(), "encoder parameter " + e.getKey() + ": " + rp);
            checked += rp.checked();
        }
        assertTrue(checked > 100, checked + " weights checked");
        NumericalGradient.Report rx = NumericalGradient.check(v -> loss(es, weights, v), gray, back.inputGradient("gray"));
        assertTrue(rx.passed(), "image: " + rx);
    }
}
