package org.reidspark.run;

import com.typesafe.config.Config;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.reidspark.config.ConfigLoader;
import org.reidspark.method.Method;
import org.reidspark.method.Methods;
import org.reidspark.method.TrainingData;
import org.reidspark.method.bot.BotMethod;
import org.reidspark.train.TrainingState;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A warm start copies every layer whose parameter shapes fit and keeps the rest as initialized: all of BoT's network
 * for the same identities; all but the classifier when new identities arrived.
 */
class WarmStartTest {
    private static final Config CONFIG = ConfigLoader.load(List.of("reid.model.backbone=resnet18", "reid.model.width=0.125",
            "reid.input.height=32", "reid.input.width=16"));

    @Test
    void copiesWhatFitsAndKeepsAClassifierOverOtherIdentities() {
        Method bot = Methods.of(CONFIG);
        TrainingState source = bot.initialize(new TrainingData(4, 0), 11, null);
        TrainingState same = bot.initialize(new TrainingData(4, 0), 22, null);
        ComputationGraph from = source.network(BotMethod.NETWORK);
        assertFalse(from.params().equalsWithEps(same.network(BotMethod.NETWORK).params(), 1e-6), "other seeds, other weights");

        WarmStart.Report all = WarmStart.apply(same, source.networks());
        assertTrue(from.params().equalsWithEps(same.network(BotMethod.NETWORK).params(), 0), "every layer fits: all copied");
        assertEquals(List.of(), all.kept().get(BotMethod.NETWORK));
        assertEquals(from.numParams(), all.parameters());

        TrainingState more = bot.initialize(new TrainingData(6, 0), 33, null);
        ComputationGraph before = more.network(BotMethod.NETWORK).clone();
        WarmStart.Report r = WarmStart.apply(more, source.networks());
        List<String> kept = r.kept().get(BotMethod.NETWORK);
        assertEquals(1, kept.size(), kept.toString());
        assertTrue(kept.get(0).contains("[4,") || kept.get(0).contains(", 4]"), "the classifier over 4 identities: " + kept);
        ComputationGraph to = more.network(BotMethod.NETWORK);
        for (Layer layer : to.getLayers()) {
            String name = layer.conf().getLayer().getLayerName();
            if (layer.numParams() == 0) continue;
            boolean copied = r.copied().get(BotMethod.NETWORK).contains(name);
            assertEquals(!kept.get(0).startsWith(name + " "), copied, name);
            Layer expected = copied ? from.getLayer(name) : before.getLayer(name);
            assertTrue(expected.params().equalsWithEps(layer.params(), 0), name + (copied ? " copied" : " kept"));
        }
    }
}
