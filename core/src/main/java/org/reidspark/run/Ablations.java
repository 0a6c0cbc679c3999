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

    /** The methods with an ablation. */
    public static final List<String> METHODS = List.of("bot", "cal");

    private Ablations() {
    }

    /** The ablation of method {@code method}; fails naming the methods that have one. */
    public static Ablation.Spec of(String method) {
        return switch (method) {
            case "bot" -> BOT;
            case "cal" -> CAL;
            default -> throw Check.unknownName("method with an ablation (reid.method; known methods: "
                    + String.join(", ", Methods.names()) + ")", method, METHODS);
        };
    }
}
