package org.reidspark.method.dcr;

import com.typesafe.config.Config;
import org.reidspark.config.ConfigLoader;
import org.reidspark.method.MethodContract;

import java.util.List;

/** DCR passes the method contract. */
public class DcrContractTest extends MethodContract {
    /**
     * DCR at 64x32 (a 4-row mid-level map: one-row stripes, no background rows) on a ResNet-18 of width 1/8, two parts,
     * P3 x K2, Adam 1e-3, no frozen epochs.
     */
    public static Config tiny() {
        return ConfigLoader.load(List.of("reid.method=dcr", "reid.model.backbone=resnet18", "reid.model.width=0.125",
                "reid.input.height=64", "reid.input.width=32", "reid.sampler.p=3", "reid.sampler.k=2", "reid.augment.pad=2",
                "reid.dcr.lr=1e-3", "reid.dcr.parts=2", "reid.dcr.freeze-epochs=0", "reid.dcr.stripes.dilation=1",
                "reid.dcr.pseudo-labels.background-rows=0"));
    }

    @Override
    protected Config config() {
        return tiny();
    }
}
