package org.reidspark.train;

import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.reidspark.data.batch.Batch;
import org.reidspark.model.ExternalBackprop;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * One alternating GAN update of the {@link ToyGan} pair, written against the unchanged {@link Step} interface: the
 * shape of DG-Net's step (discriminator update, then generator update through the discriminator) and of PAUL's
 * memory-bank update.
 *
 * <ol>
 *   <li><b>Discriminator</b> (the generator frozen): noise {@code z} {@code [B, NOISE]} is drawn from the step's
 *       seed; the generator's images {@code G(z)} {@code [B, IMAGE_DIM]} (inference, no gradient) and the batch's
 *       real images {@code x} {@code [B, IMAGE_DIM]} go through the discriminator as one {@code [2B, IMAGE_DIM]}
 *       batch; loss {@code L_D = mean softplus(-D(x)) + mean softplus(D(G(z)))} (logistic loss, real = 1); one step
 *       of the discriminator's own optimizer.</li>
 *   <li><b>Generator</b> (the discriminator frozen): non-saturating loss {@code L_G = mean softplus(-D(G(z)))}.
 *       Its gradient crosses networks: {@code dL_G/dlogit} {@code [B, 1]} is backpropagated through the
 *       discriminator to its input ({@link ExternalBackprop#backwardToInputs}), giving {@code dL_G/dG(z)}
 *       {@code [B, IMAGE_DIM]}, which is backpropagated through the generator as its output error; one step of the
 *       generator's optimizer. The discriminator's parameters, optimizer state and iteration count stay as they
 *       were.</li>
 *   <li><b>Auxiliary state</b>: the memory bank row of each real image (keyed by its sample uri) moves toward the
 *       discriminator's feature of it, {@code row <- (1 - m) row + m feature} (PAUL's update, momentum {@code m}),
 *       and the running mean of generated images moves by 0.1.</li>
 * </ol>
 * Reported terms: {@code d} ({@code L_D}), {@code g} ({@code L_G}) and {@code loss} (their sum).
 */
final class AdversarialStep implements Step {
    private final Map<String, Long> keysByUri;
    private final double bankMomentum;

    /**
     * @param keysByUri    the memory bank's key of each training image's uri
     * @param bankMomentum PAUL's memory momentum {@code m}
     */
    AdversarialStep(Map<String, Long> keysByUri, double bankMomentum) {
        this.keysByUri = keysByUri;
        this.bankMomentum = bankMomentum;
    }

    @Override
    public Map<String, Double> apply(Batch batch, TrainingState state, StepContext context) {
        ComputationGraph d = state.network(ToyGan.DISCRIMINATOR);
        INDArray real = batch.images().castTo(d.getConfiguration().getDataType());
        INDArray z = noise(context.seed(), batch.size(), d.getConfiguration().getDataType());
        double dLoss = updateDiscriminator(state, real, z, batch);
        double gLoss = updateGenerator(state, z);
        Map<String, Double> terms = new LinkedHashMap<>();
        terms.put("loss", dLoss + gLoss);
        terms.put("d", dLoss);
        terms.put("g", gLoss);
        return terms;
    }

    /** Standard-normal noise {@code [b, NOISE]} from {@code seed}. */
    static INDArray noise(long seed, int b, DataType type) {
        Random r = new Random(seed);
        double[][] z = new double[b][ToyGan.NOISE];
        for (double[] row : z) for (int j = 0; j < row.length; j++) row[j] = r.nextGaussian();
        return Nd4j.createFromArray(z).castTo(type);
    }

    /**
     * The discriminator's loss and parameter gradient, its feature of the real images, without an update.
     *
     * @param gradient     the discriminator's parameter gradient (a view of its gradient array: use before the next backward)
     * @param realFeatures {@code [B, HIDDEN]}
     */
    record DiscriminatorPass(double loss, Gradient gradient, INDArray realFeatures) {
    }

    DiscriminatorPass discriminatorPass(TrainingState state, INDArray real, INDArray z) {
        ComputationGraph g = state.network(ToyGan.GENERATOR);
        ComputationGraph d = state.network(ToyGan.DISCRIMINATOR);
        long b = real.size(0);
        INDArray fake = g.output(false, z)[0];
        Map<String, INDArray> out = ExternalBackprop.forward(d, Nd4j.vstack(real, fake));
        INDArray logits = out.get(ToyGan.LOGIT);
        INDArray realLogits = logits.get(NDArrayIndex.interval(0, b), NDArrayIndex.all());
        INDArray fakeLogits = logits.get(NDArrayIndex.interval(b, 2 * b), NDArrayIndex.all());
        double loss = meanSoftplus(realLogits.neg()) + meanSoftplus(fakeLogits);
        // d/dl mean softplus(-l) = -sigmoid(-l) / B; d/dl mean softplus(l) = sigmoid(l) / B
        INDArray eps = Nd4j.vstack(Transforms.sigmoid(realLogits.neg(), true).negi(), Transforms.sigmoid(fakeLogits, true))
                .divi(b);
        INDArray realFeatures = out.get(ToyGan.FEATURE).get(NDArrayIndex.interval(0, b), NDArrayIndex.all()).dup();
        Gradient gradient = ExternalBackprop.backward(d, out, Map.of(ToyGan.LOGIT, eps));
        return new DiscriminatorPass(loss, gradient, realFeatures);
    }

    /** Phase 1: one discriminator step; the memory bank rows of the batch's images move toward their features. */
    double updateDiscriminator(TrainingState state, INDArray real, INDArray z, Batch batch) {
        DiscriminatorPass pass = discriminatorPass(state, real, z);
        if (!Double.isFinite(pass.loss())) return pass.loss();
        ExternalBackprop.update(state.network(ToyGan.DISCRIMINATOR), pass.gradient());
        KeyedState bank = state.keyed(ToyGan.BANK);
        List<org.reidspark.data.Sample> samples = batch.samples();
        for (int i = 0; i < samples.size(); i++) {
            Long key = keysByUri.get(samples.get(i).uri());
            if (key == null) throw new IllegalArgumentException("no memory bank row for " + samples.get(i).uri());
            INDArray row = bank.row(key).mul(1 - bankMomentum).addi(pass.realFeatures().getRow(i).mul(bankMomentum));
            bank.put(key, row);
        }
        return pass.loss();
    }

    /**
     * The generator's loss and parameter gradient through the frozen discriminator, without an update.
     *
     * @param gradient      the generator's parameter gradient (a view of its gradient array)
     * @param imageGradient {@code dL_G/dG(z)} {@code [B, IMAGE_DIM]}: the discriminator's input gradient
     * @param images        {@code G(z)} {@code [B, IMAGE_DIM]}
     */
    record GeneratorPass(double loss, Gradient gradient, INDArray imageGradient, INDArray images) {
    }

    GeneratorPass generatorPass(TrainingState state, INDArray z) {
        ComputationGraph g = state.network(ToyGan.GENERATOR);
        ComputationGraph d = state.network(ToyGan.DISCRIMINATOR);
        Map<String, INDArray> gOut = ExternalBackprop.forward(g, z);
        INDArray images = gOut.get(ToyGan.IMAGE);
        Map<String, INDArray> dOut = ExternalBackprop.forward(d, images);
        INDArray logits = dOut.get(ToyGan.LOGIT);
        double loss = meanSoftplus(logits.neg());
        INDArray eps = Transforms.sigmoid(logits.neg(), true).negi().divi(logits.size(0));
        // through the discriminator to its input; its own parameter gradient is not used (it is frozen here)
        INDArray imageGradient = ExternalBackprop.backwardToInputs(d, dOut, Map.of(ToyGan.LOGIT, eps))
                .inputGradient(ToyGan.IMAGE);
        Gradient gradient = ExternalBackprop.backward(g, gOut, Map.of(ToyGan.IMAGE, imageGradient));
        return new GeneratorPass(loss, gradient, imageGradient, images);
    }

    /** Phase 2: one generator step; the running mean of generated images follows. */
    double updateGenerator(TrainingState state, INDArray z) {
        GeneratorPass pass = generatorPass(state, z);
        if (!Double.isFinite(pass.loss())) return pass.loss();
        ExternalBackprop.update(state.network(ToyGan.GENERATOR), pass.gradient());
        INDArray mean = state.dense(ToyGan.FAKE_MEAN).value();
        mean.muli(0.9).addi(pass.images().mean(true, 0).muli(0.1));
        return pass.loss();
    }

    /** The discriminator's logits {@code [B, 1]} of {@code images}, inference mode (the same as training here: no BatchNorm). */
    static INDArray logits(ComputationGraph d, INDArray images) {
        return d.output(false, images)[d.getConfiguration().getNetworkOutputs().indexOf(ToyGan.LOGIT)];
    }

    static double meanSoftplus(INDArray x) {
        return Transforms.softPlus(x, true).meanNumber().doubleValue();
    }
}
