package org.reidspark.method.paul;

import org.reidspark.model.LayerFactors;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.reidspark.data.batch.Batch;
import org.reidspark.loss.IpflLoss;
import org.reidspark.loss.LossResult;
import org.reidspark.loss.PedalLoss;
import org.reidspark.loss.Targets;
import org.reidspark.model.ExternalBackprop;
import org.reidspark.train.KeyedState;
import org.reidspark.train.Step;
import org.reidspark.train.StepContext;
import org.reidspark.train.TrainingState;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One unsupervised PAUL update (https://arxiv.org/abs/1904.01308, section 3), as the official
 * {@code src/unsupervised/unsupervised_train.py}, {@code train}, combines the pieces:
 * <ol>
 *   <li>the B images and their surrogates ({@value PaulMethod#SURROGATE} view) go through the network together in
 *       training mode as {@code 2B} rows, each image followed by its surrogate (the official
 *       {@code input.view(-1, ...)} of {@code [B, num = 2, 3, H, W]});</li>
 *   <li>each patch feature {@code [2B, d]} is L2-normalized ({@code PatchNetUn}); the embedding of patch {@code p}
 *       is {@code unit(feature_p) . unit(W_p)} {@code [2B, e]} with the fixed embedding weights {@code W_p}; the
 *       image-level feature is the concatenation {@code [2B, M*e]};</li>
 *   <li>IPFL's image memory ({@code SmoothingForImage.get_soft_label}) is updated with the mean of each image's two
 *       embeddings, then the patch bank ({@code PatchMemory.get_soft_label}) with the original views' patch features
 *       {@code [B, M*d]} (both momentum {@code bank-momentum}, detached), <em>before</em> the losses;</li>
 *   <li>PEDAL ({@link PedalLoss}) on the original views' patch features against the whole bank; IPFL
 *       ({@link IpflLoss}) on all {@code 2B} embeddings against the batch's centers, negatives by in-batch cyclic
 *       ranking ({@link CyclicRanking#inBatch}); with {@code ipfl.negatives = global} (this project's extension), each
 *       image's negative is instead the one {@link GlobalNegatives} mined over the whole image memory before the epoch
 *       ({@link #startEpoch}), its memory entry appended to the centers (the batch's mining until the first global
 *       one);</li>
 *   <li>{@code total = ipfl.weight * IPFL + pedal.weight * PEDAL}; backprop through the normalizations and the
 *       embedding; one SGD step, the patch generation network at {@code pgn-lr-factor} and the embedding weights
 *       kept ({@link LayerFactors}).</li>
 * </ol>
 * With {@code bank-init = pass}, every step of epoch 0 only embeds its original images into the bank (the official
 * "initialize the centers" pass: training mode, no gradient) and updates nothing else. PEDAL is 0 while the bank holds
 * fewer than 2 entries.
 *
 * <p><b>No identity labels</b>: {@link #apply(Batch, TrainingState, StepContext)} reads only the batch's two views and
 * keys ({@link Unlabeled#of}) and the update works on those alone. Reported terms: {@code loss}, {@code pedal},
 * {@code ipfl} (unweighted), {@code negatives} (the fraction of anchors cyclic ranking found a negative for),
 * {@code bank} (images in the bank).
 */
final class PaulUnsupervisedStep implements Step {
    private static final Logger LOG = LoggerFactory.getLogger(PaulUnsupervisedStep.class);
    private final PaulConfig config;
    private final LayerFactors factors;

    /** What the unsupervised step reads of a batch: the images {@code [B, 3, H, W]}, their surrogates, the keys. */
    record Unlabeled(INDArray images, INDArray surrogates, long[] keys) {
        static Unlabeled of(Batch batch) {
            return new Unlabeled(batch.images(), batch.view(PaulMethod.SURROGATE), batch.keys());
        }
    }

    PaulUnsupervisedStep(PaulConfig config) {
        this.config = config;
        Map<String, Double> f = new LinkedHashMap<>();
        for (String layer : PaulNetwork.PGN_LAYERS) f.put(layer, config.pgnLrFactor());
        for (String layer : PaulNetwork.embeddingLayers(config.patches())) f.put(layer, 0.0);
        this.factors = new LayerFactors(f);
    }

    @Override
    public Map<String, Double> apply(Batch batch, TrainingState state, StepContext context) {
        return apply(Unlabeled.of(batch), state, context);
    }

    /**
     * With {@code ipfl.negatives = global}: mines every image's negative over the whole image memory
     * ({@link GlobalNegatives}) before the first epoch at which the memory holds two entries or more, and again before
     * every epoch divisible by {@code ipfl.refresh-every}; the state keeps them ({@value GlobalNegatives#STATE}).
     */
    @Override
    public void startEpoch(TrainingState state, int epoch) {
        startEpoch(state, epoch, null);
    }

    /**
     * As {@link #startEpoch(TrainingState, int)}; with more than {@code ipfl.driver-limit} images with an entry, the
     * neighbours are searched by {@code workers} (the Spark trainer's executors) where given.
     */
    @Override
    public void startEpoch(TrainingState state, int epoch, org.reidspark.train.NeighbourSearch workers) {
        if (!config.ipfl().global()) return;
        KeyedState memory = state.keyed(PaulMethod.IMAGE_MEMORY);
        KeyedState earlier = GlobalNegatives.of(state);
        if (earlier != null && epoch % config.ipfl().refreshEvery() != 0) return;
        int entries = BankState.size(memory);
        if (entries < 2) return;
        long start = System.nanoTime();
        boolean spread = workers != null && entries > config.ipfl().driverLimit();
        int[] negatives = GlobalNegatives.mine(memory, new CyclicRanking(config.ipfl().walk(), config.ipfl().top()),
                spread ? workers : null);
        KeyedState fresh = GlobalNegatives.state(memory.keys(), negatives);
        if (earlier == null) state.putAux(GlobalNegatives.STATE, fresh);
        else earlier.rows().assign(fresh.rows()); // in place, not marked touched: the workers' merge keeps it
        int found = 0;
        for (int n : negatives) if (n != CyclicRanking.NONE) found++;
        LOG.info("IPFL: global cyclic-ranking negatives mined before epoch {} over the image memory ({} of {} images have an"
                        + " entry; neighbours searched {}): {} have a negative, {} s", epoch + 1, entries, memory.keys().length,
                spread ? "by the executors" : "on the driver", found,
                String.format(java.util.Locale.ROOT, "%.2f", (System.nanoTime() - start) / 1e9));
    }

    /** The network input: each image followed by its surrogate, {@code [2B, 3, H, W]}. */
    static INDArray interleave(INDArray images, INDArray surrogates) {
        if (!Arrays.equals(images.shape(), surrogates.shape())) {
            throw new IllegalArgumentException("images " + Arrays.toString(images.shape()) + " and surrogates "
                    + Arrays.toString(surrogates.shape()) + " differ in shape");
        }
        long[] s = images.shape();
        return Nd4j.stack(1, images, surrogates).reshape('c', 2 * s[0], s[1], s[2], s[3]);
    }

    /** The network's outputs on a batch and what the losses read of them. */
    record Forward(Map<String, INDArray> out, INDArray[] raw, INDArray[] unit, INDArray[] weights, INDArray originals,
                   INDArray embedding) {
    }

    /** The training-mode forward pass over the images and their surrogates, {@code 2B} rows. */
    static Forward forward(PaulConfig config, ComputationGraph graph, Unlabeled batch, boolean keepForBackward) {
        DataType type = graph.getConfiguration().getDataType();
        int m = config.patches();
        INDArray x = interleave(batch.images().castTo(type), batch.surrogates().castTo(type));
        Map<String, INDArray> out;
        if (keepForBackward) {
            out = ExternalBackprop.forward(graph, x);
        } else {
            out = new LinkedHashMap<>();
            for (Map.Entry<String, INDArray> en : graph.feedForward(new INDArray[] {x}, true, true).entrySet()) out.put(en.getKey(), en.getValue());
        }
        INDArray[] raw = new INDArray[m];
        INDArray[] unit = new INDArray[m];
        INDArray[] weights = new INDArray[m];
        INDArray[] emb = new INDArray[m];
        for (int p = 0; p < m; p++) {
            raw[p] = out.get(PaulNetwork.feature(p));
            unit[p] = PatchFeatures.unit(raw[p]);
            weights[p] = PatchFeatures.unitColumns(graph.getLayer(PaulNetwork.embedding(p) + ".dense").getParam("W").castTo(type));
            emb[p] = unit[p].mmul(weights[p]);
        }
        return new Forward(out, raw, unit, weights, PatchFeatures.everyOther(Nd4j.hstack(unit), 0, 2), Nd4j.hstack(emb));
    }

    /** The losses' values and the errors of the graph's feature outputs. */
    record Losses(double total, double pedal, double ipfl, double negatives, Map<String, INDArray> epsilons) {
    }

    /**
     * PEDAL (when {@code bank} is not null) and IPFL on a forward pass, the bank and centers constants; the errors of
     * the {@code patch<i>.feature} outputs through the embedding and the normalizations.
     *
     * @param bank     PEDAL's bank {@code [M, n, d]}, or null for none
     * @param bankRows each original image's own row in it
     * @param centers  the batch's image centers {@code [B, M*e]}
     */
    static Losses losses(PaulConfig config, Forward f, INDArray bank, int[] bankRows, INDArray centers) {
        return losses(config, f, bank, bankRows, centers, null);
    }

    /**
     * As {@link #losses(PaulConfig, Forward, INDArray, int[], INDArray)}, with the negatives given: {@code negative}
     * holds each of the {@code 2B} views' negative as a row of {@code centers} ({@code [C, M*e]}, the batch's {@code B}
     * centers first), or null for the in-batch mining.
     */
    static Losses losses(PaulConfig config, Forward f, INDArray bank, int[] bankRows, INDArray centers, int[] negative) {
        int m = config.patches();
        DataType type = f.originals().dataType();
        int b = (int) f.originals().size(0);
        INDArray dPatch = Nd4j.zeros(type, 2L * b, (long) m * config.patchDim());
        double pedalValue = 0;
        if (bank != null) {
            LossResult r = new PedalLoss(config.pedal().scale(), config.pedal().neighbours()).compute(f.originals(),
                    Targets.unlabeled().with(PedalLoss.BANK, bank).with(PedalLoss.BANK_ROW, bankRows));
            pedalValue = r.value();
            INDArray g = r.gradient().castTo(type).muli(config.pedal().weight());
            for (int i = 0; i < b; i++) dPatch.putRow(2L * i, g.getRow(i));
        }
        if (negative == null) negative = new CyclicRanking(config.ipfl().walk(), config.ipfl().top()).inBatch(f.embedding(), centers, 2);
        LossResult ir = new IpflLoss(config.ipfl().margin(), 2).compute(f.embedding(),
                Targets.unlabeled().with(IpflLoss.CENTERS, centers).with(IpflLoss.NEGATIVE, negative));
        INDArray dEmb = ir.gradient().castTo(type).muli(config.ipfl().weight());
        double total = config.ipfl().weight() * ir.value() + config.pedal().weight() * pedalValue;
        int found = 0;
        for (int n : negative) if (n >= 0) found++;
        Map<String, INDArray> eps = new HashMap<>();
        long d = config.patchDim();
        long e = config.embeddingDim();
        for (int p = 0; p < m; p++) {
            INDArray gUnit = PatchFeatures.block(dPatch, p, d).addi(PatchFeatures.block(dEmb, p, e).mmul(f.weights()[p].transpose()));
            eps.put(PaulNetwork.feature(p), PatchFeatures.unitBackward(f.raw()[p], f.unit()[p], gUnit));
        }
        return new Losses(total, pedalValue, ir.value(), found / (double) negative.length, eps);
    }

    Map<String, Double> apply(Unlabeled batch, TrainingState state, StepContext context) {
        ComputationGraph graph = state.network(PaulMethod.NETWORK);
        KeyedState bankState = state.keyed(PaulMethod.PATCH_BANK);
        KeyedState memoryState = state.keyed(PaulMethod.IMAGE_MEMORY);
        int m = config.patches();
        long[] keys = batch.keys();
        Forward f = forward(config, graph, batch, true);
        double mm = config.pedal().bankMomentum();
        Map<String, Double> terms = new LinkedHashMap<>();
        if (context.epoch() == 0 && config.bankInit().equals(PaulConfig.INIT_PASS)) {
            ExternalBackprop.clear(graph);
            BankState.update(bankState, keys, f.originals(), m, mm);
            terms.put("loss", 0.0);
            terms.put("pedal", 0.0);
            terms.put("ipfl", 0.0);
            terms.put("negatives", 0.0);
            terms.put("bank", (double) BankState.size(bankState));
            return terms;
        }
        INDArray centers = BankState.update(memoryState, keys, IpflLoss.viewMeans(f.embedding(), 2), 1, mm);
        BankState.update(bankState, keys, f.originals(), m, mm);
        BankState.Entries entries = BankState.size(bankState) >= 2 && config.pedal().weight() > 0
                ? BankState.entries(bankState, keys, m) : null;
        KeyedState global = config.ipfl().global() ? GlobalNegatives.of(state) : null;
        int[] negative = null;
        if (global != null) {
            // each image's mined negative, its memory entry appended to the centers as row B + i
            negative = new int[2 * keys.length];
            int[] rows = new int[keys.length];
            int further = 0;
            for (int i = 0; i < keys.length; i++) {
                int row = GlobalNegatives.negativeOf(global, keys[i]);
                int at = CyclicRanking.NONE;
                if (row != CyclicRanking.NONE) {
                    at = keys.length + further;
                    rows[further++] = row;
                }
                negative[2 * i] = at;
                negative[2 * i + 1] = at;
            }
            if (further > 0) {
                long width = memoryState.rows().size(1) - 1;
                INDArray mined = Nd4j.pullRows(memoryState.rows(), 1, Arrays.copyOf(rows, further))
                        .get(NDArrayIndex.all(), NDArrayIndex.interval(1, 1 + width));
                centers = Nd4j.vstack(centers, mined.castTo(centers.dataType()));
            }
        }
        Losses l = losses(config, f, entries == null ? null : entries.bank(), entries == null ? null : entries.rowOf(), centers, negative);
        terms.put("loss", l.total());
        terms.put("pedal", l.pedal());
        terms.put("ipfl", l.ipfl());
        terms.put("negatives", l.negatives());
        terms.put("bank", (double) BankState.size(bankState));
        if (!Double.isFinite(l.total())) {
            ExternalBackprop.clear(graph);
            return terms;
        }
        factors.update(graph, ExternalBackprop.backward(graph, f.out(), l.epsilons()));
        return terms;
    }
}
