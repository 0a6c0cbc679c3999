package org.reidspark.method.cal;

import com.typesafe.config.Config;
import org.reidspark.config.ConfigLoader;
import org.reidspark.method.MethodContract;

import java.util.List;

/** CAL passes the method contract (with the clothes classifier and CAL active from the first epoch). */
public class CalContractTest extends MethodContract {
    /** CAL at 32x16 on a ResNet-18 of width 1/8, P3 x K2, Adam 1e-3, the clothes losses from epoch 0. */
    public static Config tiny() {
        return ConfigLoader.load(List.of("reid.method=cal", "reid.model.backbone=resnet18", "reid.model.width=0.125",
                "reid.input.height=32", "reid.input.width=16", "reid.sampler.p=3", "reid.sampler.k=2",
                "reid.augment.pad=2", "reid.cal.lr=1e-3", "reid.cal.clothes.lr=1e-3", "reid.cal.start-epoch=0",
                "reid.eval.protocol=clothes-changing", "reid.eval.also-protocols=[same-clothes, standard]"));
    }

    @Override
    protected Config config() {
        return tiny();
    }
}
