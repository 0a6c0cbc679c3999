package org.reidspark.method.dgnet;

import com.typesafe.config.Config;
import org.reidspark.config.ConfigLoader;
import org.reidspark.method.MethodContract;

import java.util.List;

/**
 * DG-Net passes the method contract (no teacher; the contract's steps are within the first 30% of training, so the
 * ramped terms are off and the total's weights stay fixed; {@code DgNetStepTest} runs them).
 */
public class DgNetContractTest extends MethodContract {
    /**
     * DG-Net at 64x32 (Ea's map 4x2 with last stride 1: four 1-row stripes) on a ResNet-18 of width 1/8, P4 x K2, a
     * generator of width 2 with 2 blocks (ASPP dilations 1 and 2 on its 16x8 structure map), a 2-scale discriminator of
     * width 4.
     */
    public static Config tiny(String... more) {
        List<String> keys = new java.util.ArrayList<>(tinyKeys());
        keys.addAll(List.of(more));
        return ConfigLoader.load(keys);
    }

    /** The config keys of {@link #tiny}, for a job's command line. */
    public static List<String> tinyKeys() {
        return List.of("reid.method=dgnet", "reid.model.backbone=resnet18",
                "reid.model.width=0.125", "reid.model.last-stride=1", "reid.input.height=64", "reid.input.width=32",
                "reid.sampler.p=4", "reid.sampler.k=2", "reid.augment.pad=2", "reid.dgnet.ea-lr=0.01",
                "reid.dgnet.gen-lr=1e-3", "reid.dgnet.dis-lr=1e-3", "reid.dgnet.bottleneck=16",
                "reid.dgnet.generator.dim=2", "reid.dgnet.generator.res-blocks=2", "reid.dgnet.generator.dilations=[1, 2]",
                "reid.dgnet.generator.mlp-dim=16", "reid.dgnet.discriminator.dim=4", "reid.dgnet.discriminator.layers=1",
                "reid.dgnet.discriminator.res-blocks=1", "reid.dgnet.discriminator.scales=2");
    }

    @Override
    protected Config config() {
        return tiny();
    }
}
