package org.reidspark.loss;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Arrays;
import java.util.Random;

/**
 * Center loss (Wen, Zhang, Li and Qiao, "A Discriminative Feature Learning Approach for Deep Face Recognition",
 * ECCV 2016, https://ydwen.github.io/papers/WenECCV16.pdf) in BoT's form (https://arxiv.org/abs/1903.07071,
 * KaiyangZhou's implementation): {@code L = (1/B) sum_i ||f_i - c_{y_i}||^2}, so
 * {@code dL/df_i = 2 (f_i - c_{y_i}) / B}.
 *
 * <p>The class centers {@code [numClasses, D]} are auxiliary state, initialized from a standard normal and learned
 * by their own plain SGD on the <em>unweighted</em> loss (BoT divides the center gradient by the loss weight before
 * its center optimizer, SGD lr 0.5): {@link #updateCenters} applies
 * {@code c_j -= lr * dL/dc_j} with {@code dL/dc_j = -(2/B) sum_{i: y_i = j} (f_i - c_j)}. {@link #compute} never
 * changes the centers; a training step calls {@link #updateCenters} with the same features once per step.
 *
 * <p>Shapes: features {@code [B, D]}, labels {@code B} ints in {@code [0, numClasses)}; gradient {@code [B, D]}.
 */
public final class CenterLoss implements Loss {
    private final double learningRate;
    private INDArray centers;

    /**
     * @param numClasses   number of classes (training identities)
     * @param dim          feature dimension D
     * @param learningRate SGD learning rate of the centers (BoT: 0.5)
     * @param seed         seed of the centers' initialization
     * @param dataType     type of the centers (the features' type)
     */
    public CenterLoss(int numClasses, int dim, double learningRate, long seed, DataType dataType) {
        if (numClasses < 1 || dim < 1) throw new IllegalArgumentException("center loss needs classes and dim >= 1, got " + numClasses + ", " + dim);
        if (!(learningRate >= 0)) throw new IllegalArgumentException("center learning rate must be >= 0, got " + learningRate);
        this.learningRate = learningRate;
        Random r = new Random(seed);
        double[][] c = new double[numClasses][dim];
        for (double[] row : c) for (int k = 0; k < dim; k++) row[k] = r.nextGaussian();
        this.centers = Nd4j.create(c).castTo(dataType);
    }

    /** The centers {@code [numClasses, D]} (live: changed in place by {@link #updateCenters}). */
    public INDArray centers() {
        return centers;
    }

    /** Replaces the centers (restoring or averaging state); the shape must stay {@code [numClasses, D]}. */
    public void setCenters(INDArray newCenters) {
        if (!Arrays.equals(newCenters.shape(), centers.shape())) {
            throw new IllegalArgumentException("centers must have shape " + Arrays.toString(centers.shape())
                    + ", got " + Arrays.toString(newCenters.shape()));
        }
        centers = newCenters.castTo(centers.dataType()).dup();
    }

    public double learningRate() {
        return learningRate;
    }

    @Override
    public LossResult compute(INDArray features, int[] labels) {
        INDArray diff = difference(features, labels);
        long b = labels.length;
        double value = diff.mul(diff).sumNumber().doubleValue() / b;
        return new LossResult(value, diff.muli(2.0 / b).castTo(features.dataType()));
    }

    /** {@code dL/dcenters} {@code [numClasses, D]} of the unweighted loss at these features (zero rows for absent classes). */
    public INDArray centerGradient(INDArray features, int[] labels) {
        INDArray diff = difference(features, labels);
        INDArray g = centers.ulike();
        double scale = -2.0 / labels.length;
        for (int i = 0; i < labels.length; i++) {
            g.getRow(labels[i]).addi(diff.getRow(i).mul(scale));
        }
        return g;
    }

    /** One SGD step of the centers on the unweighted loss: {@code c -= lr * dL/dc}. */
    public void updateCenters(INDArray features, int[] labels) {
        centers.subi(centerGradient(features, labels).muli(learningRate));
    }

    private INDArray difference(INDArray features, int[] labels) {
        Loss.checkBatch("center loss", features, labels);
        if (features.size(1) != centers.size(1)) {
            throw new IllegalArgumentException("center loss: features have dimension " + features.size(1)
                    + ", the centers " + centers.size(1));
        }
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] < 0 || labels[i] >= centers.size(0)) {
                throw new IllegalArgumentException("label " + labels[i] + " of sample " + i + " is outside [0, " + centers.size(0) + ")");
            }
        }
        return features.castTo(centers.dataType()).sub(centers.getRows(labels));
    }
}
