package org.reidspark.model.backbone;

import org.nd4j.linalg.api.ops.Op;
import org.nd4j.linalg.factory.Nd4j;

import java.lang.ref.Reference;

/**
 * ND4J operations run with their operands kept reachable until the native call has returned.
 *
 * <p>Why: ND4J 1.0.0-M2.1's CPU executioner takes each operand's native buffer from its Java array and then calls
 * libnd4j; after that point its compiled code no longer refers to the op or to the operands it does not return. An
 * operand that nothing else refers to (a temporary: {@code x.mean(2, 3)} passed straight into a broadcast) can then
 * be collected while the call is under way (another thread, a batch loader, triggers the collection), and ND4J's
 * deallocator thread frees its native buffer under the call: a full {@code mvn verify} crashed once in
 * {@code DataBuffer::primary()} inside {@code execBroadcast} from {@link org.reidspark.model.norm} (a freed buffer's
 * garbage pointer). The same hazard is in ND4J's own instance methods for a temporary receiver ({@code a.mul(b).sum(1)}:
 * the product); the norm layers ({@code InstanceNorms}, {@code MapLayerNormLayer}, the AdaIN vertex) and
 * {@code ChannelSoftmaxLayer} keep such temporaries in locals and {@link #keep} them. Not fenced: the temporaries in
 * {@code ChannelGeMLayer}'s loops (its broadcasts are) and those inside DL4J's and ND4J's own code; the fix for all of
 * them would be one level down, an executioner (ND4J's executioner class is configurable) whose {@code exec}
 * overloads fence the op. docs/performance.md.
 */
public final class FencedOps {
    private FencedOps() {
    }

    /** Runs {@code op} and keeps it (so its x, y and z) reachable until the native call has returned. */
    public static void exec(Op op) {
        Nd4j.getExecutioner().exec(op);
        Reference.reachabilityFence(op);
    }

    /**
     * Keeps {@code used} reachable up to this point: call it after the last operation (ND4J's, or a native call through
     * raw addresses, as {@link OneDnn}'s) that reads them.
     */
    public static void keep(Object... used) {
        Reference.reachabilityFence(used); // the array holds its elements
    }
}
