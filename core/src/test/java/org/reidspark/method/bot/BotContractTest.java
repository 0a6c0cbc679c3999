package org.reidspark.method.bot;

import com.typesafe.config.Config;
import org.reidspark.config.ConfigLoader;
import org.reidspark.method.MethodContract;

import java.util.List;

/** BoT passes the method contract. */
public class BotContractTest extends MethodContract {
    /** BoT at 32x16 on a ResNet-18 of width 1/8, P3 x K2, Adam 1e-3. */
    public static Config tiny() {
        return ConfigLoader.load(List.of("reid.model.backbone=resnet18", "reid.model.width=0.125",
                "reid.input.height=32", "reid.input.width=16", "reid.sampler.p=3", "reid.sampler.k=2",
                "reid.augment.pad=2", "reid.bot.lr=1e-3"));
    }

    @Override
    protected Config config() {
        return tiny();
    }
}
