package org.reidspark.loss;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Random;

/**
 * Center loss (Wen, Zhang, Li and Qiao, "A Discriminative Feature Learning Approach for Deep Face Recognition",
 * ECCV 2016, https://ydwen.github.io/papers/WenECCV16.pdf) in BoT's form (https://arxiv.org/abs/1903.07071,
 * KaiyangZhou's implementation): {@code L = (1/B) sum_i ||f_i - c_{y_i}||^2}, so
 * {@code dL/df_i = 2 (f_i - c_{y_i}) / B}.
 *
 * <p>The class centers {@code [numClasses, D]} are the caller's state (a method keeps them in its training state,
 * averaged across workers), passed in as the {@link Targets} array {@link #CENTERS}; the loss keeps no copy. They
 * start from {@link #initialCenters} (standard normal) and are learned by their own plain SGD on the
 * <em>unweighted</em> loss (BoT divides the center gradient by the loss weight before its center optimizer, SGD lr
 * 0.5): {@link #updateCenters} applies {@code c_j -= lr * dL/dc_j} in place with
 * {@code dL/dc_j = -(2/B) sum_{i: y_i = j} (f_i - c_j)}. {@link #compute} never changes the centers; a training step
 * calls {@link #updateCenters} with the same features once per step.
 *
 * <p>Shapes: features {@code [B, D]}, labels {@code B} ints in {@code [0, numClasses)}, centers
 * {@code [numClasses, D]}; gradient {@code [B, D]}.
 */
public final class CenterLoss implements Loss {
    /** The name of the centers in {@link Targets}. */
    public static final String CENTERS = "centers";
    private final double learningRate;

    /** @param learningRate SGD learning rate of the centers (BoT: 0.5) */
    public CenterLoss(double learningRate) {
        if (!(learningRate >= 0)) throw new IllegalArgumentException("center learning rate must be >= 0, got " + learningRate);
        this.learningRate = learningRate;
    }

    /**
     * Fresh centers {@code [numClasses, dim]} drawn from a standard normal.
     *
     * @param seed     seed of the draw
     * @param dataType type of the centers (the features' type)
     */
    public static INDArray initialCenters(int numClasses, int dim, long seed, DataType dataType) {
        if (numClasses < 1 || dim < 1) throw new IllegalArgumentException("center loss needs classes and dim >= 1, got " + numClasses + ", " + dim);
        Random r = new Random(seed);
        double[][] c = new double[numClasses][dim];
        for (double[] row : c) for (int k = 0; k < dim; k++) row[k] = r.nextGaussian();
        return Nd4j.create(c).castTo(dataType);
    }

    public double learningRate() {
        return learningRate;
    }

    @Override
    public LossResult compute(INDArray features, Targets targets) {
        int[] labels = targets.labels();
        INDArray diff = difference(features, labels, targets.array(CENTERS));
        long b = labels.length;
        double value = diff.mul(diff).sumNumber().doubleValue() / b;
        return new LossResult(value, diff.muli(2.0 / b).castTo(features.dataType()));
    }

    /** {@code dL/dcenters} {@code [numClasses, D]} of the unweighted loss at these features (zero rows for absent classes). */
    public INDArray centerGradient(INDArray features, int[] labels, INDArray centers) {
        INDArray diff = difference(features, labels, centers);
        INDArray g = centers.ulike();
        double scale = -2.0 / labels.length;
        for (int i = 0; i < labels.length; i++) {
            g.getRow(labels[i]).addi(diff.getRow(i).mul(scale));
        }
        return g;
    }

    /** One SGD step of {@code centers}, in place, on the unweighted loss: {@code c -= lr * dL/dc}. */
    public void updateCenters(INDArray features, int[] labels, INDArray centers) {
        centers.subi(centerGradient(features, labels, centers).muli(learningRate));
    }

    private static INDArray difference(INDArray features, int[] labels, INDArray centers) {
        Loss.checkBatch("center loss", features, labels);
        if (centers.rank() != 2 || features.size(1) != centers.size(1)) {
            throw new IllegalArgumentException("center loss: features have dimension " + features.size(1)
                    + ", the centers have shape " + java.util.Arrays.toString(centers.shape()));
        }
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] < 0 || labels[i] >= centers.size(0)) {
                throw new IllegalArgumentException("label " + labels[i] + " of sample " + i + " is outside [0, " + centers.size(0) + ")");
            }
        }
        return features.castTo(centers.dataType()).sub(centers.getRows(labels));
    }
}
