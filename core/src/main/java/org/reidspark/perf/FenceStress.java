package org.reidspark.perf;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastSubOp;
import org.nd4j.linalg.factory.Nd4j;
import org.reidspark.model.backbone.FencedExecutioner;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The freed-operand hazard on demand (docs/performance.md, "A freed buffer under a native call"): a broadcast
 * {@code z = x - y} over an 8 MB map whose y ({@code [16, 32, 64]}, 128 KB) is a temporary copy that nothing but the
 * op refers to, run for a number of seconds while one thread asks for collections every millisecond and another
 * allocates arrays of y's size. Every 20th result ({@code -Dreid.stress.check-every}) is compared with the same
 * broadcast computed once beforehand. Prints the executioner ({@link FencedExecutioner#describe()}), the iterations
 * and the wrong results; the hazard shows as wrong results or as the JVM dying in libnd4j (SIGSEGV in
 * {@code DataBuffer::primary()} or {@code Broadcast::exec}; an {@code hs_err_pid*.log}). Run it with
 * {@code REID_ND4J_FENCE=off} in the environment to see ND4J's own executioner, without to see the fenced one.
 *
 * <pre>
 * java -cp "$(cat spark-jobs/target/runtime-classpath.txt)" org.reidspark.perf.FenceStress [seconds, default 60]
 * </pre>
 */
public final class FenceStress {
    /** Results compared every this many iterations (a comparison takes longer than the broadcast). */
    private static final int CHECK_EVERY = Integer.getInteger("reid.stress.check-every", 20);
    private FenceStress() {
    }

    public static void main(String[] args) throws InterruptedException {
        long seconds = args.length > 0 ? Long.parseLong(args[0]) : 60;
        System.out.println("ND4J: " + FencedExecutioner.describe());
        Nd4j.getRandom().setSeed(1);
        INDArray x = Nd4j.rand(DataType.FLOAT, 16, 32, 64, 64);
        INDArray y = x.mean(3);
        INDArray expected = x.ulike();
        Nd4j.getExecutioner().exec(new BroadcastSubOp(x, y, expected, 0, 1, 2));
        INDArray z = x.ulike();

        AtomicBoolean stop = new AtomicBoolean();
        Thread collector = new Thread(() -> {
            while (!stop.get()) {
                System.gc();
                try {
                    Thread.sleep(1);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "stress-collections");
        Thread allocator = new Thread(() -> {
            while (!stop.get()) Nd4j.valueArrayOf(new long[]{16, 32, 64}, 1e6f, DataType.FLOAT).addi(1);
        }, "stress-allocations");
        collector.setDaemon(true);
        allocator.setDaemon(true);
        collector.start();
        allocator.start();

        long start = System.nanoTime(), end = start + seconds * 1_000_000_000L, report = start;
        long iterations = 0, wrong = 0;
        while (System.nanoTime() < end) {
            Nd4j.getExecutioner().exec(new BroadcastSubOp(x, y.dup(), z, 0, 1, 2)); // y's copy: the op's alone
            iterations++;
            if (iterations % CHECK_EVERY == 0 && !z.equals(expected) && ++wrong <= 3) {
                System.out.println("iteration " + iterations + ": wrong result, largest difference "
                        + z.sub(expected).amaxNumber());
            }
            if (System.nanoTime() - report > 10_000_000_000L) {
                report = System.nanoTime();
                System.out.printf("%.0f s: %d iterations, %d wrong%n", (report - start) / 1e9, iterations, wrong);
            }
        }
        stop.set(true);
        System.out.println("iterations " + iterations + ", wrong results " + wrong);
    }
}
