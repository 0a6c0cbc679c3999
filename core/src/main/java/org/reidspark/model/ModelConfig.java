package org.reidspark.model;

import com.typesafe.config.Config;
import org.reidspark.config.Check;
import org.reidspark.config.ConfigError;
import org.reidspark.model.backbone.Backbones;
import org.reidspark.model.backbone.Implementations;

/**
 * The re-ID network: a ResNet backbone ({@code reid.model}) plus the BNNeck head or a plain classifier (the method's
 * choice, e.g. {@code reid.bot.bnneck}).
 *
 * @param backbone    backbone name, one of {@link Backbones#NAMES}
 * @param width       width multiplier on every stage's channels (1.0 = the standard network)
 * @param lastStride  stride of the last stage, 1 (BoT) or 2 (ImageNet)
 * @param inputHeight network input height in pixels ({@code reid.input.height}, shared with the image pipeline)
 * @param inputWidth  network input width in pixels ({@code reid.input.width})
 * @param bnneck      BNNeck head (true) or a plain classifier on the pooled feature (false)
 * @param pretrained  backbone weights to start from (.zip or .npz, local path or Hadoop URI); empty for none
 * @param implementation how the backbone's convolutions and BatchNorms run, one of {@link Implementations#NAMES}
 *                    (same weights and outputs either way)
 */
public record ModelConfig(String backbone, double width, int lastStride, int inputHeight, int inputWidth,
                          boolean bnneck, String pretrained, String implementation) implements java.io.Serializable {
    public ModelConfig {
        if (!Implementations.NAMES.contains(implementation)) {
            throw ConfigError.badValue("reid.model.implementation", implementation, "one of " + String.join(", ", Implementations.NAMES));
        }
        if (!Backbones.NAMES.contains(backbone)) {
            throw ConfigError.badValue("reid.model.backbone", backbone, "one of " + String.join(", ", Backbones.NAMES));
        }
        Check.inRange("reid.model.width", width, 1.0 / 64, 4.0);
        if (lastStride != 1 && lastStride != 2) {
            throw ConfigError.badValue("reid.model.last-stride", lastStride, "1 or 2");
        }
        Check.inRange("reid.input.height", inputHeight, 16, 4096);
        Check.inRange("reid.input.width", inputWidth, 16, 4096);
        if (pretrained == null) throw ConfigError.badValue("reid.model.pretrained", null, "a path or \"\"");
        if (!pretrained.isEmpty() && !pretrained.endsWith(".zip") && !pretrained.endsWith(".npz")) {
            throw ConfigError.badValue("reid.model.pretrained", pretrained,
                    "a DL4J model file ending in .zip or a torchvision state dict ending in .npz (or \"\")");
        }
    }

    /** A model with the default layer implementation ({@link Implementations#DEFAULT}). */
    public ModelConfig(String backbone, double width, int lastStride, int inputHeight, int inputWidth,
                       boolean bnneck, String pretrained) {
        this(backbone, width, lastStride, inputHeight, inputWidth, bnneck, pretrained, Implementations.DEFAULT);
    }

    /** The backbone of {@code reid.model} at the input size of {@code reid.input}, with the head the method chose. */
    public static ModelConfig from(Config c, boolean bnneck) {
        Config m = c.getConfig("reid.model");
        return new ModelConfig(m.getString("backbone"), m.getDouble("width"), m.getInt("last-stride"),
                c.getInt("reid.input.height"), c.getInt("reid.input.width"), bnneck, m.getString("pretrained"),
                m.getString("implementation"));
    }

    /** This config with another input size (height x width in pixels). */
    public ModelConfig withInput(int height, int width) {
        return new ModelConfig(backbone, this.width, lastStride, height, width, bnneck, pretrained, implementation);
    }

    /** This config with another layer implementation (an {@link Implementations} name). */
    public ModelConfig withImplementation(String name) {
        return new ModelConfig(backbone, width, lastStride, inputHeight, inputWidth, bnneck, pretrained, name);
    }
}
