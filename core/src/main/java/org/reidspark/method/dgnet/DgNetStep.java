package org.reidspark.method.dgnet;

import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.INDArrayIndex;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.reidspark.loss.Softmax;
import org.reidspark.data.augment.AugmentConfig;
import org.reidspark.data.augment.RandomErasing;
import org.reidspark.data.batch.Batch;
import org.reidspark.embed.Embedder;
import org.reidspark.loss.LabelSmoothingCrossEntropy;
import org.reidspark.loss.LossResult;
import org.reidspark.loss.Targets;
import org.reidspark.model.ExternalBackprop;
import org.reidspark.model.LayerFactors;
import org.reidspark.model.dgnet.DgNetAppearance;
import org.reidspark.model.dgnet.DgNetDiscriminator;
import org.reidspark.model.head.BNNeck;
import org.reidspark.train.Step;
import org.reidspark.train.StepContext;
import org.reidspark.train.TrainingState;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * One DG-Net iteration as the official {@code DGNet_Trainer} does it (https://arxiv.org/abs/1904.07223; NVlabs/DG-Net
 * {@code trainer.py} {@code forward}, {@code dis_update}, {@code gen_update}; docs/dgnet-official-code.md sections 2-4),
 * on a batch of P identities x 2 images reordered into {@code x_a, x_b, xp_a, xp_b} ({@code [b, 3, H, W]} each,
 * b = P/2):
 * <ol>
 *   <li>appearance codes {@code f [b, 4C]} of the four clean groups from Ea in training mode (detached, as the
 *       official {@code f.detach()}); structure codes {@code s_a, s_b [b, 8d, H/4, W/4]} from Es on the gray images
 *       (the mean of the normalized channels);</li>
 *   <li>G decodes {@code x_ba = G(s_b, f_a)}, {@code x_ab = G(s_a, f_b)}, the self-reconstructions {@code G(s_a, f_a)},
 *       {@code G(s_b, f_b)} and the same-identity ones {@code G(s_a, fp_a)}, {@code G(s_b, fp_b)} in one pass (G and Es
 *       have only per-sample normalizations, so one pass over the concatenation is exactly six passes, gradients
 *       summed);</li>
 *   <li>D's LSGAN update on the detached generated images against {@code x_a, x_b};</li>
 *   <li>G's losses, with the just-updated D frozen: adversarial; L1 self- and same-identity reconstruction; the primary
 *       head's cross-entropy of the appearance donor on the generated images through a copy of Ea with dropout off and
 *       BatchNorm on the batch, whose weights do not change ({@code recon_id}); from {@code warm} on, ramped: the
 *       structure code re-encoded from the generated images (with probability {@code reencode-detached} from a
 *       detached copy, training Es; otherwise through a frozen copy of Es into G), the cycle reconstruction
 *       {@code G(s_recon, f_recon)} and the appearance code's reconstruction (logged only: both sides detached as in
 *       the official code); one Adam step of G and one of Es;</li>
 *   <li>Ea: the primary head's cross-entropy on the randomly erased real images ({@code id} on x, {@code pid} on the
 *       positives), the fine-grained head on the erased x at the teacher's weight x {@code fine-relative}; from
 *       {@code warm} on, on the detached generated images (a second training-mode pass): KL of the teacher's soft
 *       label (the mean of its softmax on the image and its mirror, its BatchNorm on the batch as the official
 *       {@code train_bn}) to the primary head, and the fine-grained head's cross-entropy of the structure provider;
 *       one SGD step with the heads' gradients at {@code head-factor} x (their L2 term too, so the update equals the
 *       official x10 rate).</li>
 * </ol>
 * Every "a + b" term is the sum of the two directions' batch means, as the official code adds them. Where this
 * differs from the official code (documented in docs/methods.md): the pairs come from one P x 2 batch, so x_a and x_b
 * never share an identity; Ea's BatchNorm normalizes the four erased groups as one batch and its running statistics
 * move once per step (from that batch; the clean and generated passes leave them alone); the optional R1 penalty is
 * not computed (DL4J has no second-order gradients).
 *
 * <p>Reported terms: {@code loss} (the official {@code loss_gen_total}), its parts {@code gen} (what G and Es
 * train on) and {@code ea} (what Ea trains on), {@code dis} (D's loss), {@code gan},
 * {@code recon-x}, {@code recon-xp}, {@code recon-id}, {@code recon-s}, {@code recon-f}, {@code cycle}, {@code id},
 * {@code pid}, {@code kl}, {@code fine} and the ramped weight {@code w-teacher}.
 */
final class DgNetStep implements Step {
    static final String STRUCTURE_OUT = "structure";
    static final String IMAGE_OUT = "image";

    private final DgNetMethod method;
    private final DgNetConfig config;
    private final int identities;
    private final RandomErasing erasing;
    private final LabelSmoothingCrossEntropy ce = new LabelSmoothingCrossEntropy(0);
    /** Ea's heads at {@code head-factor} x its rate. */
    private final LayerFactors heads;
    /** Scratch copies with the current weights: the official per-iteration deep copies (Ea's with dropout off). */
    private ComputationGraph eaCopy;
    private ComputationGraph esCopy;
    private ComputationGraph decoderCopy;
    /** Set by {@link #dryRun}: the gradients of every network are kept here and no network changes. */
    private Map<ComputationGraph, INDArray> gradients;

    DgNetStep(DgNetMethod method, int identities) {
        this.method = method;
        this.config = method.config();
        this.identities = identities;
        Map<String, Double> f = new LinkedHashMap<>();
        for (String head : List.of(DgNetAppearance.PRIMARY, DgNetAppearance.FINE)) {
            for (String layer : DgNetAppearance.headLayers(head)) f.put(layer, config.headFactor());
        }
        this.heads = new LayerFactors(f);
        AugmentConfig a = config.augment();
        this.erasing = a.erasingP() > 0 ? new RandomErasing(a.erasingP(), a.erasingMinArea(), a.erasingMaxArea(),
                a.erasingMinAspect(), RandomErasing.Fill.byName(a.erasingFill())) : null;
    }

    @Override
    public Map<String, Double> apply(Batch batch, TrainingState state, StepContext context) {
        ComputationGraph ea = state.network(DgNetMethod.APPEARANCE);
        ComputationGraph es = state.network(DgNetMethod.STRUCTURE);
        ComputationGraph dec = state.network(DgNetMethod.DECODER);
        ComputationGraph dis = state.network(DgNetMethod.DISCRIMINATOR);
        ComputationGraph teacher = state.networks().names().contains(DgNetMethod.TEACHER) ? state.network(DgNetMethod.TEACHER) : null;
        DataType type = ea.getConfiguration().getDataType();
        copies(type);
        int n = batch.size();
        int b = n / 4;
        if (b < 1 || n != 4 * b) {
            throw new IllegalArgumentException("a DG-Net batch is P identities x 2 images with P even; got " + n + " images");
        }
        // reorder into [x_a; x_b; xp_a; xp_b]: identity i's two images are rows 2i and 2i + 1
        int[] labels = batch.labels();
        long[] order = new long[4 * b];
        int[] la = new int[b];
        int[] lb = new int[b];
        for (int i = 0; i < b; i++) {
            order[i] = 2L * i;
            order[b + i] = 2L * (b + i);
            order[2 * b + i] = 2L * i + 1;
            order[3 * b + i] = 2L * (b + i) + 1;
            la[i] = labels[2 * i];
            lb[i] = labels[2 * (b + i)];
            if (labels[2 * i + 1] != la[i] || labels[2 * (b + i) + 1] != lb[i]) {
                throw new IllegalArgumentException("a DG-Net batch must hold each identity's 2 images next to each other (P x 2 sampling)");
            }
        }
        INDArray real = Nd4j.pullRows(batch.images().castTo(type).reshape(n, -1), 1, toInt(order))
                .reshape(4L * b, batch.images().size(1), batch.images().size(2), batch.images().size(3));
        INDArray x = rows(real, 0, 2 * b);
        int[] lab = concat(la, lb);
        int[] provider = concat(lb, la);
        DgNetConfig.Losses w = config.loss();
        double progress = context.progress();
        double wS = w.ramp(w.reconS(), progress);
        double wF = w.ramp(w.reconF(), progress);
        double wCyc = w.ramp(w.cycle(), progress);
        double wT = w.ramp(w.teacher(), progress);
        SplittableRandom rnd = new SplittableRandom(context.seed());
        Nd4j.getRandom().setSeed(context.seed()); // the heads' dropout: a step repeats exactly from a checkpoint
        Map<String, Double> terms = new LinkedHashMap<>();

        // (1) codes: appearance from the clean images (detached), structure from their gray versions
        INDArray codes = ExternalBackprop.forward(ea, real).get(DgNetAppearance.APPEARANCE);
        ExternalBackprop.clear(ea);
        INDArray f = rows(codes, 0, 2 * b);
        Map<String, INDArray> sOut = ExternalBackprop.forward(es, gray(x));
        INDArray s = sOut.get(STRUCTURE_OUT);
        INDArray sa = rows(s, 0, b);
        INDArray sb = rows(s, b, 2 * b);
        INDArray fa = rows(codes, 0, b);
        INDArray fb = rows(codes, b, 2 * b);

        // (2) decode: [x_ba; x_ab; x_a self; x_b self; x_a from its positive's code; x_b likewise]
        Map<String, INDArray> gOut = ExternalBackprop.forward(dec, Nd4j.concat(0, sb, sa, sa, sb, sa, sb),
                Nd4j.concat(0, fa, fb, fa, fb, rows(codes, 2 * b, 3 * b), rows(codes, 3 * b, 4 * b)));
        INDArray generated = gOut.get(IMAGE_OUT);
        INDArray fake = rows(generated, 0, 2 * b);

        // (3) D's update on the detached generated images against the real x
        double dFactor = 2 * w.gan();
        Map<String, INDArray> dOut = ExternalBackprop.forward(dis, Nd4j.concat(0, fake, x));
        List<INDArray> dFake = new ArrayList<>();
        List<INDArray> dReal = new ArrayList<>();
        for (INDArray o : dOut.values()) {
            dFake.add(rows(o, 0, 2 * b));
            dReal.add(rows(o, 2 * b, 4 * b));
        }
        DgNetDiscriminator.DiscriminatorLoss dl = DgNetDiscriminator.discriminatorLoss(dFake, dReal);
        terms.put("loss", Double.NaN);
        terms.put("dis", 2 * dl.value());
        if (!Double.isFinite(dl.value())) return abandon(terms, ea, es, dec, dis);
        Map<String, INDArray> dEps = new LinkedHashMap<>();
        int k = 0;
        for (String name : dOut.keySet()) {
            dEps.put(name, Nd4j.concat(0, dl.fakeGradients().get(k), dl.realGradients().get(k)).muli(dFactor));
            k++;
        }
        apply(dis, ExternalBackprop.backward(dis, dOut, dEps));

        // (4) G's losses; the error reaching the generated pair [x_ba; x_ab] is gathered in dGenerated
        Map<String, INDArray> aOut = ExternalBackprop.forward(dis, fake);
        DgNetDiscriminator.Loss gl = DgNetDiscriminator.generatorLoss(new ArrayList<>(aOut.values()));
        double gan = 2 * gl.value();
        Map<String, INDArray> aEps = new LinkedHashMap<>();
        k = 0;
        for (String name : aOut.keySet()) aEps.put(name, gl.gradients().get(k++).mul(dFactor));
        INDArray dGenerated = ExternalBackprop.backwardToInputs(dis, aOut, aEps).inputGradient("image");

        eaCopy.setParams(ea.params());
        Map<String, INDArray> cOut = ExternalBackprop.forward(eaCopy, fake);
        INDArray fRecon = cOut.get(DgNetAppearance.APPEARANCE);
        LossResult recId = ce.compute(cOut.get(DgNetAppearance.logits(DgNetAppearance.PRIMARY)), Targets.of(lab));
        if (w.reconId() > 0) {
            dGenerated.addi(ExternalBackprop.backwardToInputs(eaCopy, cOut, Map.of(DgNetAppearance.logits(DgNetAppearance.PRIMARY),
                    recId.gradient().muli(2 * w.reconId()))).inputGradient(DgNetAppearance.INPUT));
        } else {
            ExternalBackprop.clear(eaCopy);
        }
        double reconF = 2 * DgNetLosses.l1(fRecon, f).value();

        double reconS = 0;
        double cycle = 0;
        INDArray esExtra = null;
        INDArray decExtra = null;
        if (wS > 0 || wCyc > 0) {
            boolean detached = rnd.nextDouble() < config.reencodeDetached();
            esCopy.setParams(es.params());
            // Es on [x_ab; x_ba] gives [s_a_recon; s_b_recon], aligned with s = [s_a; s_b]
            INDArray swapped = Nd4j.concat(0, rows(fake, b, 2 * b), rows(fake, 0, b));
            Map<String, INDArray> rOut = ExternalBackprop.forward(esCopy, gray(swapped));
            INDArray sRecon = rOut.get(STRUCTURE_OUT);
            LossResult ls = DgNetLosses.l1(sRecon, s);
            reconS = 2 * ls.value();
            INDArray dSRecon = ls.gradient().muli(2 * wS);
            if (wCyc > 0) {
                decoderCopy.setParams(dec.params());
                Map<String, INDArray> cycOut = ExternalBackprop.forward(decoderCopy, sRecon, fRecon);
                LossResult lc = DgNetLosses.l1(cycOut.get(IMAGE_OUT), x);
                cycle = 2 * lc.value();
                ExternalBackprop.Backward cb = ExternalBackprop.backwardToInputs(decoderCopy, cycOut,
                        Map.of(IMAGE_OUT, lc.gradient().muli(2 * wCyc)));
                dSRecon.addi(cb.inputGradient(STRUCTURE_OUT));
                decExtra = cb.gradient().gradient();
            }
            if (detached) {
                esExtra = ExternalBackprop.backward(esCopy, rOut, Map.of(STRUCTURE_OUT, dSRecon)).gradient();
            } else {
                INDArray dGray = ExternalBackprop.backwardToInputs(esCopy, rOut, Map.of(STRUCTURE_OUT, dSRecon)).inputGradient("gray");
                INDArray dSwapped = grayBackward(dGray);
                dGenerated.addi(Nd4j.concat(0, rows(dSwapped, b, 2 * b), rows(dSwapped, 0, b)));
            }
        }
        LossResult lx = DgNetLosses.l1(rows(generated, 2 * b, 4 * b), x);
        LossResult lxp = DgNetLosses.l1(rows(generated, 4 * b, 6 * b), x);
        double genTotal = w.reconX() * 2 * lx.value() + w.reconXp() * 2 * lxp.value() + w.gan() * gan + w.reconId() * 2 * recId.value()
                + wS * reconS + wF * reconF + wCyc * cycle;
        terms.put("gan", gan);
        terms.put("recon-x", 2 * lx.value());
        terms.put("recon-xp", 2 * lxp.value());
        terms.put("recon-id", 2 * recId.value());
        terms.put("recon-s", reconS);
        terms.put("recon-f", reconF);
        terms.put("cycle", cycle);
        if (!Double.isFinite(genTotal)) return abandon(terms, ea, es, dec);
        INDArray dImage = Nd4j.concat(0, dGenerated, lx.gradient().muli(2 * w.reconX()), lxp.gradient().muli(2 * w.reconXp()));
        ExternalBackprop.Backward db = ExternalBackprop.backwardToInputs(dec, gOut, Map.of(IMAGE_OUT, dImage));
        INDArray dS = db.inputGradient(STRUCTURE_OUT);
        // the structure inputs were [s_b; s_a; s_a; s_b; s_a; s_b]
        INDArray dSa = rows(dS, b, 2 * b).addi(rows(dS, 2 * b, 3 * b)).addi(rows(dS, 4 * b, 5 * b));
        INDArray dSb = rows(dS, 0, b).addi(rows(dS, 3 * b, 4 * b)).addi(rows(dS, 5 * b, 6 * b));
        Gradient decGradient = db.gradient();
        if (decExtra != null) decGradient.gradient().addi(decExtra);
        apply(dec, decGradient);
        Gradient esGradient = ExternalBackprop.backward(es, sOut, Map.of(STRUCTURE_OUT, Nd4j.concat(0, dSa, dSb)));
        if (esExtra != null) esGradient.gradient().addi(esExtra);
        apply(es, esGradient);

        // (5) Ea: identities of the erased real images, then (ramped) the teacher's terms on the generated images
        double fineWeight = wT * w.fineRelative();
        Map<String, INDArray> eOut = ExternalBackprop.forward(ea, erase(real, rnd));
        INDArray primary = eOut.get(DgNetAppearance.logits(DgNetAppearance.PRIMARY));
        LossResult id = ce.compute(rows(primary, 0, 2 * b), Targets.of(lab));
        LossResult pid = ce.compute(rows(primary, 2 * b, 4 * b), Targets.of(lab));
        LossResult fineReal = ce.compute(rows(eOut.get(DgNetAppearance.logits(DgNetAppearance.FINE)), 0, 2 * b), Targets.of(lab));
        double eaTotal = w.id() * 2 * id.value() + w.pid() * 2 * pid.value() + fineWeight * 2 * fineReal.value();
        terms.put("id", 2 * id.value());
        terms.put("pid", 2 * pid.value());
        Map<String, INDArray> eEps = new LinkedHashMap<>();
        eEps.put(DgNetAppearance.logits(DgNetAppearance.PRIMARY), Nd4j.concat(0, id.gradient().muli(2 * w.id()), pid.gradient().muli(2 * w.pid())));
        eEps.put(DgNetAppearance.logits(DgNetAppearance.FINE), Nd4j.concat(0, fineReal.gradient().muli(2 * fineWeight),
                Nd4j.zeros(type, 2L * b, identities)));
        if (!Double.isFinite(eaTotal)) return abandon(terms, ea);
        Gradient eaGradient = ExternalBackprop.backward(ea, eOut, eEps);
        double kl = 0;
        double fine = 0;
        if (wT > 0) {
            INDArray first = eaGradient.gradient().dup();
            Map<String, INDArray> stOut = ExternalBackprop.forward(ea, fake);
            Map<String, INDArray> stEps = new LinkedHashMap<>();
            if (teacher != null && w.klWeight() > 0) {
                LossResult lk = DgNetLosses.kl(stOut.get(DgNetAppearance.logits(DgNetAppearance.PRIMARY)), softLabels(teacher, fake));
                kl = 2 * lk.value();
                stEps.put(DgNetAppearance.logits(DgNetAppearance.PRIMARY), lk.gradient().muli(2 * wT * w.klWeight()));
            }
            LossResult lf = ce.compute(stOut.get(DgNetAppearance.logits(DgNetAppearance.FINE)), Targets.of(provider));
            fine = 2 * lf.value();
            stEps.put(DgNetAppearance.logits(DgNetAppearance.FINE), lf.gradient().muli(2 * fineWeight));
            eaTotal += wT * w.klWeight() * kl + fineWeight * fine;
            if (!Double.isFinite(eaTotal)) return abandon(terms, ea);
            eaGradient = ExternalBackprop.backward(ea, stOut, stEps);
            // BatchNorm's running statistics move once per step: from the real images' pass only
            for (Map.Entry<String, INDArray> e : eaGradient.gradientForVariable().entrySet()) {
                if (LayerFactors.isRunningStatistic(e.getKey())) e.getValue().assign(0);
            }
            eaGradient.gradient().addi(first);
        }
        terms.put("kl", kl);
        terms.put("fine", fine);
        terms.put("w-teacher", wT);
        if (gradients != null) gradients.put(ea, eaGradient.gradient().dup());
        else heads.update(ea, eaGradient);
        terms.put("gen", genTotal);
        terms.put("ea", eaTotal);
        terms.put("loss", genTotal + eaTotal);
        return terms;
    }

    /**
     * The step without any update, for gradient checks: every network's gradient (before the heads' factor) in
     * {@code into}, keyed by network; D stays as it was, so G's adversarial term reads the same D as D's own loss.
     * The reported terms add {@code gen} (G's and Es's total) and {@code ea} (Ea's total).
     */
    Map<String, Double> dryRun(Batch batch, TrainingState state, StepContext context, Map<ComputationGraph, INDArray> into) {
        gradients = into;
        try {
            return apply(batch, state, context);
        } finally {
            gradients = null;
        }
    }

    private void apply(ComputationGraph graph, Gradient gradient) {
        if (gradients != null) gradients.put(graph, gradient.gradient().dup());
        else ExternalBackprop.update(graph, gradient);
    }

    /** The teacher's soft labels on {@code images}: the mean of its softmax on them and on their mirror images. */
    private static INDArray softLabels(ComputationGraph teacher, INDArray images) {
        INDArray q = Softmax.of(ExternalBackprop.forward(teacher, images).get(BNNeck.LOGITS));
        ExternalBackprop.clear(teacher);
        INDArray qm = Softmax.of(ExternalBackprop.forward(teacher, Embedder.flipWidth(images)).get(BNNeck.LOGITS));
        ExternalBackprop.clear(teacher);
        return q.addi(qm).muli(0.5);
    }

    private Map<String, Double> abandon(Map<String, Double> terms, ComputationGraph... graphs) {
        for (ComputationGraph g : graphs) ExternalBackprop.clear(g);
        for (ComputationGraph g : new ComputationGraph[]{eaCopy, esCopy, decoderCopy}) ExternalBackprop.clear(g);
        return terms;
    }

    private void copies(DataType type) {
        if (eaCopy != null) return;
        eaCopy = DgNetMethod.init(method.appearanceConfig(identities, 0, type, false));
        esCopy = DgNetMethod.init(method.structureConfig(0, type));
        decoderCopy = DgNetMethod.init(method.decoderConfig(0, type));
    }

    /** Random erasing of each image (a copy), drawn from {@code rnd} in row order; none when erasing is off. */
    private INDArray erase(INDArray images, SplittableRandom rnd) {
        if (erasing == null) return images;
        long[] shape = images.shape();
        int h = (int) shape[2];
        int wd = (int) shape[3];
        int size = (int) (shape[1] * h * wd);
        float[] data = images.castTo(DataType.FLOAT).dup('c').data().asFloat();
        for (int i = 0; i < shape[0]; i++) erasing.apply(data, i * size, h, wd, rnd);
        return Nd4j.create(data, shape, 'c').castTo(images.dataType());
    }

    /** The official {@code to_gray(False)}: the mean of the three normalized channels, {@code [B, 1, H, W]}. */
    static INDArray gray(INDArray x) {
        return x.mean(1).reshape(x.size(0), 1, x.size(2), x.size(3));
    }

    /** The gradient of {@link #gray} with respect to its input: a third of the gray gradient on each channel. */
    static INDArray grayBackward(INDArray dGray) {
        return Nd4j.concat(1, dGray, dGray, dGray).divi(3);
    }

    /** Rows {@code [from, to)} of {@code x} along the first axis, as a new array. */
    static INDArray rows(INDArray x, long from, long to) {
        INDArrayIndex[] idx = new INDArrayIndex[x.rank()];
        idx[0] = NDArrayIndex.interval(from, to);
        for (int i = 1; i < idx.length; i++) idx[i] = NDArrayIndex.all();
        return x.get(idx).dup();
    }

    private static int[] concat(int[] a, int[] b) {
        int[] r = new int[a.length + b.length];
        System.arraycopy(a, 0, r, 0, a.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }

    private static int[] toInt(long[] a) {
        int[] r = new int[a.length];
        for (int i = 0; i < a.length; i++) r[i] = (int) a[i];
        return r;
    }
}
