package org.reidspark.method.dgnet;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.reidspark.loss.Softmax;
import org.reidspark.data.image.InputConfig;
import org.reidspark.data.image.Normalizer;
import org.reidspark.data.image.RgbImage;
import org.reidspark.embed.Embedder;
import org.reidspark.model.ReidNetwork;
import org.reidspark.model.backbone.InferenceFolding;
import org.reidspark.model.head.BNNeck;
import org.reidspark.model.dgnet.DgNetAppearance;
import org.reidspark.train.NetworkSet;

import java.util.ArrayList;
import java.util.List;

/**
 * A trained DG-Net's generator on its own, in inference mode (https://arxiv.org/abs/1904.07223, Fig. 2; the official
 * {@code trainer.py} {@code id_a} and {@code gen_a.encode}/{@code decode} after {@code trainer.eval()}): Ea with its
 * running BatchNorm statistics and dropout off (its and the teacher's {@link InferenceFolding} copies), Es and G
 * (per-sample normalizations only). Not thread-safe (DL4J graphs are not); one per thread.
 * <ul>
 *   <li>{@link #appearance}: images {@code [n, 3, H, W]} (normalized) to appearance codes {@code [n, 4C]};</li>
 *   <li>{@link #structure}: images to structure codes {@code [n, 8d, H/4, W/4]} (Es on the gray image);</li>
 *   <li>{@link #decode}: {@code G(s, a)}: structure and appearance codes to images {@code [n, 3, H, W]} in the normalized
 *       input space, and {@link #images} to 8-bit RGB;</li>
 *   <li>{@link #softLabels}: identity soft labels {@code [n, classes]} of images, the mean of the softmax over the image
 *       and its mirror (the official teacher's ensemble with flip), in inference mode, so that a label depends on its
 *       image alone: from the teacher ({@link DgNetMethod#TEACHER}) when the set holds one, else from Ea's primary
 *       head.</li>
 * </ul>
 */
public final class DgNetGeneration {
    private final ComputationGraph appearance;
    private final ComputationGraph structure;
    private final ComputationGraph decoder;
    private final ComputationGraph labeller;
    private final int labelOutput;
    private final Normalizer normalizer;
    private final int codeOutput;

    /**
     * @param networks a DG-Net run's networks ({@link DgNetMethod#APPEARANCE}, {@link DgNetMethod#STRUCTURE},
     *                 {@link DgNetMethod#DECODER})
     * @param input    the run's input (size and normalization)
     */
    public DgNetGeneration(NetworkSet networks, InputConfig input) {
        for (String n : List.of(DgNetMethod.APPEARANCE, DgNetMethod.STRUCTURE, DgNetMethod.DECODER)) {
            if (!networks.names().contains(n)) {
                throw new IllegalArgumentException("not a DG-Net model: no network '" + n + "' among " + networks.names());
            }
        }
        this.appearance = InferenceFolding.fold(networks.get(DgNetMethod.APPEARANCE)).graph();
        this.structure = networks.get(DgNetMethod.STRUCTURE);
        this.decoder = networks.get(DgNetMethod.DECODER);
        this.normalizer = Normalizer.of(input);
        this.codeOutput = ReidNetwork.outputIndex(appearance, DgNetAppearance.APPEARANCE);
        boolean teacher = networks.names().contains(DgNetMethod.TEACHER);
        this.labeller = teacher ? InferenceFolding.fold(networks.get(DgNetMethod.TEACHER)).graph() : appearance;
        this.labelOutput = ReidNetwork.outputIndex(labeller, teacher ? BNNeck.LOGITS : DgNetAppearance.logits(DgNetAppearance.PRIMARY));
    }

    /** Whether {@link #softLabels} come from a teacher (else from Ea's primary head). */
    public boolean hasTeacher() {
        return labeller != appearance;
    }

    /** Soft labels {@code [n, classes]} of normalized images {@code [n, 3, H, W]}: the teacher's (or Ea's) flip-averaged softmax. */
    public INDArray softLabels(INDArray images) {
        INDArray x = images.castTo(labeller.getConfiguration().getDataType());
        INDArray q = Softmax.of(labeller.output(false, x)[labelOutput]);
        INDArray qm = Softmax.of(labeller.output(false, Embedder.flipWidth(x))[labelOutput]);
        return q.addi(qm).muli(0.5);
    }

    private DataType type() {
        return appearance.getConfiguration().getDataType();
    }

    /** Appearance codes {@code [n, 4C]} of normalized images {@code [n, 3, H, W]}. */
    public INDArray appearance(INDArray images) {
        return appearance.output(false, images.castTo(type()))[codeOutput];
    }

    /** Structure codes {@code [n, 8d, H/4, W/4]} of normalized images {@code [n, 3, H, W]}. */
    public INDArray structure(INDArray images) {
        return structure.output(false, DgNetStep.gray(images.castTo(type())))[0];
    }

    /** {@code G(s, a)} {@code [n, 3, H, W]} (normalized input space) of structure {@code [n, 8d, H/4, W/4]} and appearance {@code [n, 4C]}. */
    public INDArray decode(INDArray structureCodes, INDArray appearanceCodes) {
        if (structureCodes.size(0) != appearanceCodes.size(0)) {
            throw new IllegalArgumentException(structureCodes.size(0) + " structure codes and " + appearanceCodes.size(0) + " appearance codes");
        }
        return decoder.output(false, structureCodes, appearanceCodes)[0];
    }

    /** Normalized images {@code [n, 3, H, W]} as 8-bit RGB (clamped, rounded), as written to a PNG. */
    public List<RgbImage> images(INDArray generated) {
        int n = (int) generated.size(0);
        int h = (int) generated.size(2);
        int w = (int) generated.size(3);
        float[] v = generated.castTo(DataType.FLOAT).dup('c').data().asFloat();
        List<RgbImage> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) out.add(normalizer.toRgb(v, i * 3 * h * w, h, w));
        return out;
    }

    /** 8-bit RGB images (of the input size) as a normalized batch {@code [n, 3, H, W]}. */
    public INDArray batch(List<RgbImage> images) {
        return normalizer.batch(images);
    }
}
