package org.reidspark.method.toy;

import com.typesafe.config.Config;
import org.reidspark.config.Check;
import org.reidspark.data.augment.AugmentConfig;
import org.reidspark.data.image.InputConfig;
import org.reidspark.data.sampling.SamplerConfig;
import org.reidspark.method.MethodConfig;

/**
 * {@code reid.toy}: the toy method's settings, with the shared input, augmentation and P x K sampler sections.
 *
 * @param input         input size and normalization ({@code reid.input})
 * @param augment       training augmentation ({@code reid.augment})
 * @param sampler       P x K batches ({@code reid.sampler})
 * @param lr            Adam's rate of the encoder
 * @param cameraLr      Adam's rate of the camera classifier
 * @param channels      channels of the encoder's (and teacher's) feature map
 * @param teacherWeight weight of the squared distance to the frozen teacher's feature
 * @param bankWeight    weight of the squared distance to the image's memory-bank row
 * @param bankMomentum  memory-bank update momentum m: row <- (1 - m) row + m feature
 * @param cameraWeight  weight of the camera classifier's cross-entropy in the reported total
 */
public record ToyConfig(InputConfig input, AugmentConfig augment, SamplerConfig sampler, double lr, double cameraLr,
                        int channels, double teacherWeight, double bankWeight, double bankMomentum, double cameraWeight)
        implements MethodConfig {
    public static final String SECTION = "reid.toy";

    public ToyConfig {
        Check.positive(SECTION + ".lr", lr);
        Check.positive(SECTION + ".camera-lr", cameraLr);
        Check.inRange(SECTION + ".channels", channels, 2, 1024);
        Check.nonNegative(SECTION + ".teacher-weight", teacherWeight);
        Check.nonNegative(SECTION + ".bank-weight", bankWeight);
        Check.inRange(SECTION + ".bank-momentum", bankMomentum, 0, 1);
        Check.nonNegative(SECTION + ".camera-weight", cameraWeight);
    }

    public static ToyConfig from(Config c) {
        Config t = c.getConfig(SECTION);
        return new ToyConfig(InputConfig.from(c), AugmentConfig.from(c), SamplerConfig.from(c), t.getDouble("lr"),
                t.getDouble("camera-lr"), t.getInt("channels"), t.getDouble("teacher-weight"), t.getDouble("bank-weight"),
                t.getDouble("bank-momentum"), t.getDouble("camera-weight"));
    }

    @Override
    public String section() {
        return SECTION;
    }
}
