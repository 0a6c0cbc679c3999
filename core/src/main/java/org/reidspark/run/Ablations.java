package org.reidspark.run;

import org.reidspark.config.Check;
import org.reidspark.method.Methods;

import java.util.List;
import java.util.Map;

/**
 * The one place that maps a method ({@code reid.method}) to its ablation's variants ({@link Ablation.Spec}); a method
 * without one fails listing those that have one.
 * <ul>
 *   <li>{@code bot} ("Bag of Tricks and a Strong Baseline for Deep Person Re-identification", Luo et al., CVPR-W 2019,
 *       https://arxiv.org/abs/1903.07071, Table 1): {@code full} (the configured recipe), and one variant per removed
 *       trick: {@code no-bnneck} ({@code reid.bot.bnneck = false}: the classifier, with a bias, reads the pooled
 *       feature, which is also the embedding), {@code no-label-smoothing} ({@code reid.bot.loss.label-smoothing = 0}),
 *       {@code no-random-erasing} ({@code reid.augment.erasing-p = 0}); compared with {@code full}.</li>
 *   <li>{@code cal} ("Clothes-Changing Person Re-identification with RGB Modality Only", Gu et al., CVPR 2022,
 *       https://arxiv.org/abs/2204.06890): {@code cal} (the configured recipe); {@code no-cal}, the same network and
 *       schedule without the clothes losses ({@code reid.cal.adversarial-weight = 0}: the clothes classifier still
 *       learns, on detached features, so nothing reaches the backbone); {@code shuffled-clothes}, the control whose
 *       clothes classes are permuted at random within each identity ({@code reid.cal.clothes.labels =
 *       shuffled-within-identity}: a gain that survives it does not come from outfits); compared with
 *       {@code no-cal}.</li>
 *   <li>{@code dcr} ("Learning differentiable categorical regions with Gumbel-Softmax for person re-identification",
 *       Yang and Xu, Neurocomputing 2024, https://doi.org/10.1016/j.neucom.2024.128723): {@code full} (the configured
 *       recipe); {@code parts-unweighted} and {@code holistic}, the full model matched without the visibility weighting
 *       and by the holistic feature (evaluated on {@code full}'s model); {@code k1}, {@code k2}, {@code k4}, the
 *       number of parts (the recipe's K is 3); {@code no-overlap-penalty} and {@code no-alignment}, the stripe-wise
 *       regularization and the self-refinement left out; {@code bot}, BoT trained with the same backbone, input,
 *       batches, augmentation and schedule; compared with {@code full}.</li>
 *   <li>{@code paul} ("Patch-based Discriminative Feature Learning for Unsupervised Person Re-identification", Yang et
 *       al., CVPR 2019, https://arxiv.org/abs/1904.01308), the paper's protocol: {@code source}, the supervised
 *       pre-training ({@code reid.paul.mode = supervised}) on the source dataset ({@code reid.ablation.source}: other
 *       people), evaluated on the target as it is (the source-only model); {@code paul}, the unsupervised adaptation on
 *       the target's training images starting from {@code source}'s model of the same seed, read without their
 *       persons ({@code reid.data.train-labels = none});
 *       {@code pedal-only}, the same without IPFL ({@code reid.paul.ipfl.weight = 0}); {@code nn-negatives}, IPFL's
 *       negative the plain nearest other image instead of cyclic ranking's ({@code reid.paul.ipfl.top = 1}: a top list
 *       of the candidate alone never holds the anchor, so the walk stops at the first candidate);
 *       {@code global-negatives}, cyclic ranking over the whole image memory, mined before every epoch
 *       ({@code reid.paul.ipfl.negatives = global}: this project's extension, as the {@code mine} job does) instead of
 *       inside the batch; {@code bot-target},
 *       BoT trained with the target's labels ({@code reid.data.train-labels = read}, as the source's pre-training), the supervised reference whose fraction the paper reports; compared with
 *       {@code source}.</li>
 * </ul>
 */
public final class Ablations {
    public static final Ablation.Spec BOT = new Ablation.Spec("bot", List.of(
            new Ablation.Variant("full", "-", Map.of()),
            new Ablation.Variant("no-bnneck", "BNNeck removed", Map.of("reid.bot.bnneck", false)),
            new Ablation.Variant("no-label-smoothing", "label smoothing removed", Map.of("reid.bot.loss.label-smoothing", 0.0)),
            new Ablation.Variant("no-random-erasing", "random erasing removed", Map.of("reid.augment.erasing-p", 0.0))), "full");

    public static final Ablation.Spec CAL = new Ablation.Spec("cal", List.of(
            new Ablation.Variant("cal", "-", Map.of()),
            new Ablation.Variant("no-cal", "clothes losses removed (CAL weight 0)", Map.of("reid.cal.adversarial-weight", 0.0)),
            new Ablation.Variant("shuffled-clothes", "clothes labels shuffled within identity",
                    Map.of("reid.cal.clothes.labels", "shuffled-within-identity"))), "no-cal");

    public static final Ablation.Spec DCR = new Ablation.Spec("dcr", List.of(
            new Ablation.Variant("full", "-", Map.of()),
            new Ablation.Variant("parts-unweighted", "visibility weighting off (the full model)", Map.of("reid.dcr.matching", "parts"), "full"),
            new Ablation.Variant("holistic", "holistic matching (the full model)", Map.of("reid.dcr.matching", "holistic"), "full"),
            new Ablation.Variant("k1", "K = 1", Map.of("reid.dcr.parts", 1)),
            new Ablation.Variant("k2", "K = 2", Map.of("reid.dcr.parts", 2)),
            new Ablation.Variant("k4", "K = 4", Map.of("reid.dcr.parts", 4)),
            new Ablation.Variant("no-overlap-penalty", "stripe overlap penalty off", Map.of("reid.dcr.loss.stripe-weight", 0.0)),
            new Ablation.Variant("no-alignment", "pixel-level part alignment off", Map.of("reid.dcr.loss.alignment-weight", 0.0)),
            new Ablation.Variant("bot", "BoT, same backbone, input, batches, epochs", Map.of("reid.method", "bot"))), "full");

    private static final String UNSUPERVISED = "unsupervised";
    /** The adaptation variants read the target's training images without their persons, the supervised ones with them. */
    private static final String NO_LABELS = "reid.data.train-labels";

    public static final Ablation.Spec PAUL = new Ablation.Spec("paul", List.of(
            Ablation.Variant.onSource("source", "supervised pre-training on the source, not adapted",
                    Map.of("reid.paul.mode", "supervised", NO_LABELS, "read")),
            Ablation.Variant.startingFrom("source", "paul", "adapted to the target without labels (PEDAL + IPFL)",
                    Map.of("reid.paul.mode", UNSUPERVISED, NO_LABELS, "none")),
            Ablation.Variant.startingFrom("source", "pedal-only", "adapted with PEDAL alone (IPFL weight 0)",
                    Map.of("reid.paul.mode", UNSUPERVISED, NO_LABELS, "none", "reid.paul.ipfl.weight", 0.0)),
            Ablation.Variant.startingFrom("source", "nn-negatives", "adapted, IPFL negatives the plain nearest neighbour",
                    Map.of("reid.paul.mode", UNSUPERVISED, NO_LABELS, "none", "reid.paul.ipfl.top", 1)),
            Ablation.Variant.startingFrom("source", "global-negatives", "adapted, IPFL negatives mined over the whole image memory",
                    Map.of("reid.paul.mode", UNSUPERVISED, NO_LABELS, "none", "reid.paul.ipfl.negatives", "global")),
            new Ablation.Variant("bot-target", "BoT trained with the target's labels (supervised reference)",
                    Map.of("reid.method", "bot", NO_LABELS, "read"))), "source");

    /** The methods with an ablation. */
    public static final List<String> METHODS = List.of("bot", "cal", "dcr", "paul");

    private Ablations() {
    }

    /** The ablation of method {@code method}; fails naming the methods that have one. */
    public static Ablation.Spec of(String method) {
        return switch (method) {
            case "bot" -> BOT;
            case "cal" -> CAL;
            case "dcr" -> DCR;
            case "paul" -> PAUL;
            default -> throw Check.unknownName("method with an ablation (reid.method; known methods: "
                    + String.join(", ", Methods.names()) + ")", method, METHODS);
        };
    }
}
