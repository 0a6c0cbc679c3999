package org.reidspark.model.backbone;

import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.executioner.OpExecutioner;
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastSubOp;
import org.nd4j.linalg.api.ops.impl.indexaccum.custom.ArgMax;
import org.nd4j.linalg.api.ops.impl.reduce.floating.Mean;
import org.nd4j.linalg.api.ops.impl.reduce3.EuclideanDistance;
import org.nd4j.linalg.api.ops.impl.scalar.ScalarMultiplication;
import org.nd4j.linalg.api.ops.impl.summarystats.Variance;
import org.nd4j.linalg.api.ops.impl.transforms.strict.Tanh;
import org.nd4j.linalg.api.ops.random.impl.GaussianDistribution;
import org.nd4j.linalg.factory.Nd4j;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link FencedExecutioner}: ND4J installs it by itself (nothing in this JVM calls {@code install}), it forwards every
 * method of ND4J's {@link OpExecutioner} (none left to an interface default), and each kind of operation gives the
 * backend's result bit for bit.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FencedExecutionerTest {

    @Test
    @Order(1) // before the test below installs it by hand
    void nd4jInstallsTheFenceWhileItInitialises() {
        assertTrue(FencedExecutioner.installed(), "ND4J's executioner: " + Nd4j.getExecutioner().getClass().getName());
        assertEquals("CpuBackend, NativeOpExecutioner, fenced", FencedExecutioner.describe());
    }

    @Test
    void installingTwiceWrapsOnceAndUninstallingRestoresTheBackendsExecutioner() {
        assertTrue(FencedExecutioner.install(), "the CPU backend's executioner is wrapped");
        FencedExecutioner fenced = (FencedExecutioner) Nd4j.getExecutioner();
        assertTrue(FencedExecutioner.install());
        assertSame(fenced, Nd4j.getExecutioner(), "a second install keeps the one wrapper");
        assertFalse(fenced.backend() instanceof FencedExecutioner);
        try {
            FencedExecutioner.uninstall();
            assertSame(fenced.backend(), Nd4j.getExecutioner());
            assertEquals("CpuBackend, NativeOpExecutioner, not fenced", FencedExecutioner.describe());
            assertEquals(6.0, Nd4j.createFromArray(1f, 2f, 3f).sumNumber().doubleValue(), "ND4J still runs unfenced");
        } finally {
            FencedExecutioner.install();
        }
        assertTrue(FencedExecutioner.installed());
    }

    /** A default method ND4J adds to the interface would bypass the fence: every one is declared here. */
    @Test
    void everyMethodOfTheInterfaceIsForwarded() throws Exception {
        List<String> missing = new ArrayList<>();
        for (Method m : OpExecutioner.class.getMethods()) {
            if (Modifier.isStatic(m.getModifiers())) continue;
            Method own = FencedExecutioner.class.getMethod(m.getName(), m.getParameterTypes());
            if (own.getDeclaringClass() != FencedExecutioner.class) missing.add(m.toString());
        }
        assertEquals(List.of(), missing);
        assertTrue(OpExecutioner.class.getMethods().length >= 60, "the interface's methods were found");
    }

    @Test
    void eachKindOfOperationGivesTheBackendsResult() {
        FencedExecutioner fenced = (FencedExecutioner) Nd4j.getExecutioner();
        OpExecutioner backend = fenced.backend();
        Nd4j.getRandom().setSeed(5);
        INDArray x = Nd4j.randn(DataType.FLOAT, 4, 6, 3);
        INDArray y = Nd4j.randn(DataType.FLOAT, 4, 6, 3);
        INDArray row = Nd4j.randn(DataType.FLOAT, 4, 6);

        List<Function<OpExecutioner, INDArray>> ops = List.of(
                e -> e.exec(new BroadcastSubOp(x, row, x.ulike(), 0, 1)),                 // broadcast
                e -> e.exec(new Mean(x, 2)),                                             // reduce
                e -> e.exec(new Variance(x, true, 1)),                                   // summary statistics
                e -> e.exec(new ScalarMultiplication(x, null, x.ulike(), 2.5)),          // scalar
                e -> e.exec(new Tanh(x, x.ulike())),                                     // transform
                e -> e.exec(new EuclideanDistance(x, y, 2)),                             // reduce3 (pairwise)
                e -> e.exec(new ArgMax(x, false, new int[]{1}))[0],                      // custom
                e -> e.exec(new GaussianDistribution(Nd4j.createUninitialized(DataType.FLOAT, 50), 1.0, 2.0),
                        Nd4j.getRandomFactory().getNewRandomInstance(42)));              // random, own generator
        for (int i = 0; i < ops.size(); i++) {
            INDArray viaFence = ops.get(i).apply(fenced);
            INDArray direct = ops.get(i).apply(backend);
            assertEquals(direct, viaFence, "operation " + i);
        }
    }
}
