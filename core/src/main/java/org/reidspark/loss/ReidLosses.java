package org.reidspark.loss;

import org.reidspark.model.head.BNNeck;

import java.util.ArrayList;
import java.util.List;

/**
 * The re-ID objective of BoT (https://arxiv.org/abs/1903.07071) on a {@link BNNeck} network's outputs:
 * {@code id} (label-smoothed cross-entropy on {@link BNNeck#LOGITS}), {@code triplet} (batch-hard on
 * {@link BNNeck#FEATURE}) and {@code center} (center loss on {@link BNNeck#FEATURE}), weighted as configured
 * ({@link LossConfig}).
 */
public final class ReidLosses {
    public static final String ID = "id";
    public static final String TRIPLET = "triplet";
    public static final String CENTER = "center";

    private ReidLosses() {
    }

    /**
     * The weighted sum {@code c} describes. The center term reads the centers from the {@link Targets} array
     * {@link CenterLoss#CENTERS}.
     */
    public static WeightedLoss build(LossConfig c) {
        List<WeightedLoss.Term> terms = new ArrayList<>();
        if (c.idWeight() > 0) {
            terms.add(new WeightedLoss.Term(ID, BNNeck.LOGITS, c.idWeight(), new LabelSmoothingCrossEntropy(c.labelSmoothing())));
        }
        if (c.tripletWeight() > 0) {
            terms.add(new WeightedLoss.Term(TRIPLET, BNNeck.FEATURE, c.tripletWeight(),
                    new BatchHardTriplet(c.tripletMargin(), c.tripletSoftMargin())));
        }
        if (c.centerWeight() > 0) {
            terms.add(new WeightedLoss.Term(CENTER, BNNeck.FEATURE, c.centerWeight(),
                    new CenterLoss(c.centerLr())));
        }
        return new WeightedLoss(terms);
    }
}
