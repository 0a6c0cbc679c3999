package org.reidspark.method.toy;

import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.reidspark.data.batch.Batch;
import org.reidspark.data.batch.SampleField;
import org.reidspark.loss.LabelSmoothingCrossEntropy;
import org.reidspark.loss.LossResult;
import org.reidspark.loss.Targets;
import org.reidspark.model.ExternalBackprop;
import org.reidspark.train.KeyedState;
import org.reidspark.train.Step;
import org.reidspark.train.StepContext;
import org.reidspark.train.TrainingState;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One toy update: (1) the camera classifier learns the camera field from the detached embedding {@code [B, C]} with
 * its own optimizer; (2) the encoder learns identity cross-entropy on {@code logits} plus the weighted squared
 * distances of its embedding to the frozen teacher's embedding and to each image's memory-bank row (looked up by
 * the batch's keys); (3) the bank rows move toward the new embeddings. The teacher is only read.
 */
final class ToyStep implements Step {
    private final ToyConfig config;
    private final LabelSmoothingCrossEntropy ce = new LabelSmoothingCrossEntropy(0);
    private final SquaredDistance toTeacher = new SquaredDistance(ToyMethod.TEACHER);
    private final SquaredDistance toBank = new SquaredDistance(ToyMethod.BANK);

    ToyStep(ToyConfig config) {
        this.config = config;
    }

    @Override
    public Map<String, Double> apply(Batch batch, TrainingState state, StepContext context) {
        ComputationGraph encoder = state.network(ToyMethod.ENCODER);
        ComputationGraph camera = state.network(ToyMethod.CAMERA);
        ComputationGraph teacher = state.network(ToyMethod.TEACHER);
        KeyedState bank = state.keyed(ToyMethod.BANK);
        INDArray images = batch.images().castTo(encoder.getConfiguration().getDataType());

        Map<String, INDArray> out = ExternalBackprop.forward(encoder, images);
        INDArray embedding = out.get(ToyNetworks.EMBEDDING);
        INDArray taught = teacher.output(false, images)[0];
        long[] keys = batch.keys();
        INDArray rows = Nd4j.create(embedding.dataType(), embedding.shape());
        for (int i = 0; i < keys.length; i++) rows.putRow(i, bank.row(keys[i]));

        // (1) the camera classifier on the detached embedding, the batch's extra label array
        Map<String, INDArray> camOut = ExternalBackprop.forward(camera, embedding.dup());
        LossResult cam = ce.compute(camOut.get(ToyNetworks.LOGITS), Targets.of(batch.ints(SampleField.CAMERA.name())));

        // (2) the encoder
        Targets targets = Targets.of(batch.labels()).with(ToyMethod.TEACHER, taught).with(ToyMethod.BANK, rows);
        LossResult id = ce.compute(out.get(ToyNetworks.LOGITS), targets);
        LossResult t = toTeacher.compute(embedding, targets);
        LossResult b = toBank.compute(embedding, targets);
        double total = id.value() + config.teacherWeight() * t.value() + config.bankWeight() * b.value()
                + config.cameraWeight() * cam.value();
        Map<String, Double> terms = new LinkedHashMap<>();
        terms.put("loss", total);
        terms.put("id", id.value());
        terms.put("teacher", t.value());
        terms.put("bank", b.value());
        terms.put("camera", cam.value());
        if (!Double.isFinite(total)) {
            ExternalBackprop.clear(encoder);
            ExternalBackprop.clear(camera);
            return terms;
        }
        ExternalBackprop.update(camera, ExternalBackprop.backward(camera, camOut,
                Map.of(ToyNetworks.LOGITS, cam.gradient().muli(config.cameraWeight()))));
        INDArray eps = t.gradient().muli(config.teacherWeight()).addi(b.gradient().muli(config.bankWeight()));
        INDArray feature = embedding.dup();
        Gradient g = ExternalBackprop.backward(encoder, out, Map.of(ToyNetworks.LOGITS, id.gradient(), ToyNetworks.EMBEDDING, eps));
        ExternalBackprop.update(encoder, g);

        // (3) the memory bank, keyed by image
        double m = config.bankMomentum();
        for (int i = 0; i < keys.length; i++) bank.put(keys[i], bank.row(keys[i]).mul(1 - m).addi(feature.getRow(i).mul(m)));
        return terms;
    }
}
