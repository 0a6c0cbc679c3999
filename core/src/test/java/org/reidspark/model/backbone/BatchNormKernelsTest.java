package org.reidspark.model.backbone;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link BatchNormKernels} against the ND4J path of {@link NativeBatchNormalizationLayer} in float, on the main
 * job's kinds of shapes: batch statistics against the same statistics in double, normalization against {@code batchnorm}, the
 * backward pass against {@link NativeBatchNormalizationLayer#backward} (which NativeLayersTest checks against
 * central differences in double and against DL4J's layer), and which views the loops take.
 */
class BatchNormKernelsTest {
    private static final double EPS = 1e-5;

    /** {@code [outer, C, inner]} shapes: tiny, the main network's stem and deepest maps, an odd row length. */
    private static final int[][] SHAPES = {{4, 5, 12}, {32, 16, 512}, {32, 128, 8}, {3, 7, 5}};

    private static void assertClose(INDArray expected, INDArray actual, double relTol, String what) {
        double scale = Math.max(expected.amaxNumber().doubleValue(), 1e-30);
        double diff = expected.sub(actual).amaxNumber().doubleValue() / scale;
        assertTrue(diff < relTol, what + ": relative difference " + diff);
    }

    @Test
    void sameResultsAsTheNd4jPathInFloat() {
        Nd4j.getRandom().setSeed(11);
        for (int[] s : SHAPES) {
            String shape = java.util.Arrays.toString(s);
            // a mean far from 0, so that the variance is not the mean square
            INDArray x = Nd4j.randn(DataType.FLOAT, s[0], s[1], s[2]).muli(2).addi(3);
            INDArray dy = Nd4j.randn(DataType.FLOAT, s[0], s[1], s[2]);
            INDArray gamma = Nd4j.rand(DataType.FLOAT, s[1]).addi(0.5);
            INDArray beta = Nd4j.randn(DataType.FLOAT, s[1]);
            assertTrue(BatchNormKernels.applies(x), shape);

            float[] mean = new float[s[1]];
            float[] var = new float[s[1]];
            INDArray y = x.ulike();
            BatchNormKernels.train(x, BatchNormKernels.values(gamma), BatchNormKernels.values(beta), EPS, y, mean, var);
            // against the statistics in double (ND4J's float moments are off by up to ~1e-5 at 16 K values per channel)
            INDArray xd = x.castTo(DataType.DOUBLE);
            assertClose(xd.mean(0, 2), Nd4j.createFromArray(mean).castTo(DataType.DOUBLE), 1e-6, "mean " + shape);
            assertClose(xd.var(false, 0, 2), Nd4j.createFromArray(var).castTo(DataType.DOUBLE), 1e-6, "variance " + shape);
            INDArray[] moments = {Nd4j.createFromArray(mean), Nd4j.createFromArray(var)};
            INDArray expectedY = x.ulike();
            INDArray x4 = x.reshape(s[0], s[1], s[2], 1);
            Nd4j.exec(DynamicCustomOp.builder("batchnorm").addInputs(x4, moments[0], moments[1], gamma, beta)
                    .addOutputs(expectedY.reshape(s[0], s[1], s[2], 1)).addIntegerArguments(1, 1, 1)
                    .addFloatingPointArguments(EPS).build());
            assertClose(expectedY, y, 1e-5, "normalized " + shape);

            INDArray dx = x.ulike();
            float[] dGamma = new float[s[1]];
            float[] dBeta = new float[s[1]];
            BatchNormKernels.backward(x, dy, mean, var, BatchNormKernels.values(gamma), EPS, dx, dGamma, dBeta);
            INDArray expectedDx = x.ulike();
            INDArray expectedDGamma = Nd4j.create(DataType.FLOAT, s[1]);
            INDArray expectedDBeta = Nd4j.create(DataType.FLOAT, s[1]);
            NativeBatchNormalizationLayer.backward(x, dy, moments[0], moments[1], gamma, EPS, expectedDx, expectedDGamma,
                    expectedDBeta);
            assertClose(expectedDx, dx, 1e-4, "input gradient " + shape);
            assertClose(expectedDGamma, Nd4j.createFromArray(dGamma), 1e-4, "scale gradient " + shape);
            assertClose(expectedDBeta, Nd4j.createFromArray(dBeta), 1e-5, "shift gradient " + shape);
        }
    }

    /** The channels split among threads: the same values to the bit however they are split. */
    @Test
    void splittingTheChannelsChangesNothing() {
        Nd4j.getRandom().setSeed(5);
        int[] s = {6, 7, 40};
        INDArray x = Nd4j.randn(DataType.FLOAT, s[0], s[1], s[2]).muli(2).addi(3);
        INDArray dy = Nd4j.randn(DataType.FLOAT, s[0], s[1], s[2]);
        float[] gamma = BatchNormKernels.values(Nd4j.rand(DataType.FLOAT, s[1]).addi(0.5));
        float[] beta = BatchNormKernels.values(Nd4j.randn(DataType.FLOAT, s[1]));
        INDArray[] first = null;
        for (int parts : new int[]{1, 2, 3, 7}) {
            float[] mean = new float[s[1]], var = new float[s[1]], dGamma = new float[s[1]], dBeta = new float[s[1]];
            INDArray y = x.ulike(), dx = x.ulike();
            BatchNormKernels.train(x, gamma, beta, EPS, y, mean, var, parts);
            BatchNormKernels.backward(x, dy, mean, var, gamma, EPS, dx, dGamma, dBeta, parts);
            INDArray[] got = {y, dx, Nd4j.createFromArray(mean), Nd4j.createFromArray(var), Nd4j.createFromArray(dGamma),
                    Nd4j.createFromArray(dBeta)};
            if (first == null) first = got;
            for (int i = 0; i < got.length; i++) assertEquals(first[i], got[i], "output " + i + " with " + parts + " parts");
        }
    }

    /**
     * The layer passes NCHW arrays and [1, C] parameter views as they are: the same values to the bit as the
     * {@code [B, C, H*W]} view and the flat parameters.
     */
    @Test
    void takesNchwArraysAsTheirChannelRows() {
        Nd4j.getRandom().setSeed(9);
        int b = 4, c = 6, h = 5, w = 3;
        INDArray x = Nd4j.randn(DataType.FLOAT, b, c, h, w).muli(2).addi(3);
        INDArray dy = Nd4j.randn(DataType.FLOAT, b, c, h, w);
        INDArray params = Nd4j.rand(DataType.FLOAT, 1, 2 * c).addi(0.5);
        INDArray gammaRow = params.get(org.nd4j.linalg.indexing.NDArrayIndex.point(0),
                org.nd4j.linalg.indexing.NDArrayIndex.interval(c, 2 * c)).reshape(1, c);
        assertTrue(BatchNormKernels.applies(x), "NCHW");
        float[] gamma = BatchNormKernels.values(gammaRow);
        org.junit.jupiter.api.Assertions.assertArrayEquals(BatchNormKernels.values(gammaRow.dup().reshape(c)), gamma);
        float[] beta = new float[c];
        INDArray[] asRows = null;
        for (boolean rows : new boolean[]{true, false}) {
            INDArray xs = rows ? x.reshape(b, c, h * w) : x;
            INDArray dys = rows ? dy.reshape(b, c, h * w) : dy;
            float[] mean = new float[c], var = new float[c], dGamma = new float[c], dBeta = new float[c];
            INDArray y = xs.ulike(), dx = xs.ulike();
            BatchNormKernels.train(xs, gamma, beta, EPS, y, mean, var);
            BatchNormKernels.backward(xs, dys, mean, var, gamma, EPS, dx, dGamma, dBeta);
            INDArray[] got = {y.reshape(b, c, h, w), dx.reshape(b, c, h, w), Nd4j.createFromArray(mean),
                    Nd4j.createFromArray(var), Nd4j.createFromArray(dGamma), Nd4j.createFromArray(dBeta)};
            if (asRows == null) asRows = got;
            else for (int i = 0; i < got.length; i++) assertEquals(asRows[i], got[i], "output " + i);
        }
        INDArray into = Nd4j.zeros(DataType.FLOAT, 1, 2 * c);
        BatchNormKernels.write(gamma, into.get(org.nd4j.linalg.indexing.NDArrayIndex.point(0),
                org.nd4j.linalg.indexing.NDArrayIndex.interval(c, 2 * c)).reshape(1, c));
        assertEquals(gammaRow, into.get(org.nd4j.linalg.indexing.NDArrayIndex.point(0),
                org.nd4j.linalg.indexing.NDArrayIndex.interval(c, 2 * c)).reshape(1, c), "written into a [1, C] view");
    }

    @Test
    void readsParameterViewsAtTheirOffset() {
        INDArray all = Nd4j.createFromArray(1f, 2f, 3f, 4f, 5f, 6f);
        INDArray view = all.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(2, 5));
        org.junit.jupiter.api.Assertions.assertArrayEquals(new float[]{3f, 4f, 5f}, BatchNormKernels.values(view));
    }

    @Test
    void takesOnlySmallContiguousFloatRows() {
        assertTrue(BatchNormKernels.applies(Nd4j.create(DataType.FLOAT, 2, 3, 8)));
        assertFalse(BatchNormKernels.applies(Nd4j.create(DataType.DOUBLE, 2, 3, 8)), "double");
        assertFalse(BatchNormKernels.applies(Nd4j.create(DataType.FLOAT, 16, 3, 1)), "NHWC's rows of one value");
        assertFalse(BatchNormKernels.applies(Nd4j.create(DataType.FLOAT, 2, 3, 8).permute(0, 2, 1)), "not C order");
        assertFalse(BatchNormKernels.applies(Nd4j.create(DataType.FLOAT, 2, 3, 2, 4).permute(0, 1, 3, 2)), "NCHW, not C order");
        assertFalse(BatchNormKernels.applies(Nd4j.create(DataType.FLOAT, 4, 8)), "rank 2");
        assertFalse(BatchNormKernels.applies(Nd4j.create(DataType.FLOAT, 0, 3, 8)), "empty");
        long big = BatchNormKernels.MAX_VALUES / 8 + 1;
        assertFalse(BatchNormKernels.applies(Nd4j.create(DataType.FLOAT, big, 1, 8)), "over the size limit");
    }
}
