package org.reidspark.method.paul;

import com.typesafe.config.Config;
import org.reidspark.config.ConfigLoader;
import org.reidspark.method.MethodContract;

import java.util.List;

/** PAUL in unsupervised mode passes the method contract (two views, keyed banks merged by key, no labels read). */
public class PaulContractTest extends MethodContract {
    /**
     * Unsupervised PAUL at 64x48 (a 4x3 map, the smallest width the 3x3 patch generation convolution takes) on a
     * ResNet-18 of width 1/8, batches of 6 images with their surrogates, 6 patches of 8, embeddings of 4, SGD 0.05,
     * the bank filled on first sight (the contract's steps are all in epoch 0), PEDAL's k = 2.
     */
    public static Config tiny() {
        return tiny("unsupervised");
    }

    static Config tiny(String mode) {
        return ConfigLoader.load(List.of("reid.method=paul", "reid.model.backbone=resnet18", "reid.model.width=0.125",
                "reid.input.height=64", "reid.input.width=48", "reid.augment.pad=0", "reid.augment.erasing-p=0",
                "reid.sampler.p=3", "reid.sampler.k=2", "reid.paul.mode=" + mode,
                "reid.paul.batch-size=6", "reid.paul.lr=0.05", "reid.paul.patch-dim=8", "reid.paul.embedding-dim=4",
                "reid.paul.pgn-channels=8", "reid.paul.pgn-hidden=8", "reid.paul.bank-init=first-sight",
                "reid.paul.pedal.neighbours=2"));
    }

    @Override
    protected Config config() {
        return tiny();
    }
}
