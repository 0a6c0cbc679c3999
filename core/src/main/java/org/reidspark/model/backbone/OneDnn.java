package org.reidspark.model.backbone;

import org.bytedeco.dnnl.const_dnnl_op_desc_t;
import org.bytedeco.dnnl.dnnl_engine;
import org.bytedeco.dnnl.dnnl_exec_arg_t;
import org.bytedeco.dnnl.dnnl_memory;
import org.bytedeco.dnnl.dnnl_memory_desc_t;
import org.bytedeco.dnnl.dnnl_primitive;
import org.bytedeco.dnnl.dnnl_primitive_attr;
import org.bytedeco.dnnl.dnnl_primitive_desc;
import org.bytedeco.dnnl.dnnl_stream;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.Pointer;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.reidspark.model.ThreadShare;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.ref.Cleaner;
import java.lang.ref.Reference;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;

import static org.bytedeco.dnnl.global.dnnl.*;

/**
 * oneDNN (https://github.com/oneapi-src/oneDNN, release 2.5 through JavaCPP's {@code org.bytedeco:dnnl} presets)
 * called directly by the native layers in float on ND4J's CPU backend ({@link OneDnnConvolution},
 * {@link OneDnnBatchNorm}, {@link OneDnnPooling}, {@link OneDnnRelu}): whether it is on, the engine and per-thread
 * streams, and the C API's small steps (descriptors, memories over ND4J arrays, primitives, execution, destruction
 * once a plan is unreachable).
 *
 * <p>The presets' library shares ND4J's OpenMP runtime in one process (the loader resolves its {@code libgomp.so.1}
 * to the copy ND4J loaded first), so the per-task thread count that {@code TaskThreads} sets applies to it as well.
 */
final class OneDnn {

    /** The system property: {@code auto} (the default: on ND4J's CPU backend, where the library loads), {@code true}, {@code false}. */
    static final String PROPERTY = "reid.native.onednn";
    private static final Logger LOG = LoggerFactory.getLogger(OneDnn.class);
    private static final Cleaner CLEANER = Cleaner.create();
    private static volatile Boolean enabled;
    static dnnl_engine engine;
    private static final ThreadLocal<dnnl_stream> STREAM = ThreadLocal.withInitial(() -> {
        dnnl_stream s = new dnnl_stream();
        check(dnnl_stream_create(s, engine, dnnl_stream_default_flags), "stream");
        return s;
    });

    private OneDnn() {
    }

    /**
     * Whether the native layers call oneDNN directly in float: {@value #PROPERTY} {@code true}, {@code false} or
     * {@code auto} (ND4J's CPU backend, and the library loads). Decided once per process and logged.
     */
    static boolean enabled() {
        Boolean e = enabled;
        if (e == null) {
            synchronized (OneDnn.class) {
                if (enabled == null) {
                    ThreadShare.settleBlasThreads(); // the native layers' first pass, training or inference
                    String setting = System.getProperty(PROPERTY, "auto");
                    Object backend = Nd4j.getExecutioner().getEnvironmentInformation().get("backend");
                    boolean wanted = wanted(setting, "CPU".equals(String.valueOf(backend)));
                    String why = "";
                    if (wanted) {
                        try {
                            dnnl_engine eng = new dnnl_engine();
                            check(dnnl_engine_create(eng, dnnl_cpu, 0), "engine");
                            engine = eng;
                        } catch (RuntimeException | LinkageError ex) {
                            if (setting.equals("true")) {
                                throw new IllegalStateException("-D" + PROPERTY + "=true but oneDNN did not load", ex);
                            }
                            wanted = false;
                            why = "; oneDNN did not load: " + ex;
                        }
                    }
                    enabled = wanted;
                    LOG.info("convolutions, BatchNorm, max pooling and ReLU in float run {} ({}={}, ND4J backend {}{})",
                            wanted ? "oneDNN's primitives directly" : "ND4J's operations", PROPERTY, setting, backend, why);
                }
                e = enabled;
            }
        }
        return e;
    }

    /** The rule of {@link #enabled()} before the library is loaded. */
    static boolean wanted(String setting, boolean cpuBackend) {
        return switch (setting) {
            case "auto" -> cpuBackend;
            case "true" -> true;
            case "false" -> false;
            default -> throw new IllegalArgumentException("-D" + PROPERTY + " must be auto, true or false, not '" + setting + "'");
        };
    }

    /**
     * Whether a convolution or pooling layer of this type, dilation and mode runs oneDNN's primitives: float, no
     * dilation, truncate or strict mode (the plans' padding rule), and oneDNN on ({@link #enabled()}).
     */
    static boolean takes(DataType type, int[] dilation, ConvolutionMode mode) {
        return type == DataType.FLOAT && dilation[0] == 1 && dilation[1] == 1
                && (mode == ConvolutionMode.Truncate || mode == ConvolutionMode.Strict) && enabled();
    }

    static void requireEnabled() {
        if (!enabled()) throw new IllegalStateException("oneDNN is off (-D" + PROPERTY + ")");
    }

    static dnnl_stream stream() {
        return STREAM.get();
    }

    /** Runs {@code natives} (the destroy calls of a plan's oneDNN objects) once {@code plan} is unreachable. */
    static void destroyWhenUnreachable(Object plan, List<Runnable> natives) {
        List<Runnable> destroy = List.copyOf(natives);
        CLEANER.register(plan, () -> destroy.forEach(Runnable::run));
    }

    /** {@code a} itself when dense float in C order, else a dense float copy (for inputs only). */
    static INDArray dense(INDArray a) {
        return isDense(a) ? a : a.castTo(DataType.FLOAT).dup('c');
    }

    /** Float, and laid out as C order: each dimension longer than 1 has C order's stride (the order flag aside). */
    static boolean isDense(INDArray a) {
        if (a.dataType() != DataType.FLOAT || a.isEmpty()) return false;
        long[] shape = a.shape(), stride = a.stride();
        long expected = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            if (shape[i] > 1 && stride[i] != expected) return false;
            expected *= shape[i];
        }
        return true;
    }

    /** Points {@code m} at {@code a}'s values (read or written in place); {@code a} must be dense float. */
    static void handle(dnnl_memory m, INDArray a) {
        if (!isDense(a)) {
            throw new IllegalArgumentException("oneDNN needs a dense float C-order array, got "
                    + a.dataType() + " " + Arrays.toString(a.shape()) + " strides " + Arrays.toString(a.stride()));
        }
        check(dnnl_memory_set_data_handle(m, a.data().addressPointer()), "handle");
    }

    static void handle(dnnl_memory m, Pointer p) {
        check(dnnl_memory_set_data_handle(m, p), "handle");
    }

    static dnnl_memory_desc_t desc(long[] dims, int tag) {
        dnnl_memory_desc_t d = new dnnl_memory_desc_t();
        check(dnnl_memory_desc_init_by_tag(d, dims.length, dims, dnnl_f32, tag), "memory descriptor");
        return d;
    }

    static dnnl_memory_desc_t query(dnnl_primitive_desc pd, int what) {
        return query(pd, what, 0);
    }

    static dnnl_memory_desc_t query(dnnl_primitive_desc pd, int what, int index) {
        // copied: the returned descriptor lives in the primitive descriptor
        dnnl_memory_desc_t copy = new dnnl_memory_desc_t();
        Pointer.memcpy(copy, dnnl_primitive_desc_query_md(pd, what, index), copy.sizeof());
        return copy;
    }

    /** A primitive descriptor for an operation descriptor (a {@code dnnl_*_desc_t}), destroyed with the plan. */
    static dnnl_primitive_desc primitiveDesc(Pointer opDesc, dnnl_primitive_desc hint, List<Runnable> natives) {
        dnnl_primitive_desc pd = new dnnl_primitive_desc();
        check(dnnl_primitive_desc_create(pd, new const_dnnl_op_desc_t(opDesc), attributes(), engine, hint), "primitive descriptor");
        natives.add(() -> dnnl_primitive_desc_destroy(pd));
        return pd;
    }

    static dnnl_primitive primitive(dnnl_primitive_desc pd, List<Runnable> natives) {
        dnnl_primitive p = new dnnl_primitive();
        check(dnnl_primitive_create(p, pd), "primitive");
        natives.add(() -> dnnl_primitive_destroy(p));
        return p;
    }

    /** A memory object without a buffer: {@link #handle} points it at one before each use. */
    static dnnl_memory memory(dnnl_memory_desc_t d, List<Runnable> natives) {
        dnnl_memory m = new dnnl_memory();
        check(dnnl_memory_create(m, d, engine, (Pointer) null), "memory");
        natives.add(() -> dnnl_memory_destroy(m));
        return m;
    }

    /**
     * A primitive whose scratchpad (oneDNN's working memory, e.g. im2col buffers) is user-managed and taken from the
     * calling thread's {@link Scratch} at each execution: the library's own scratchpad is shared between primitives,
     * and oneDNN's primitive cache gives two plans of the same shape (two networks, two Spark tasks) one primitive.
     */
    static final class Op {
        private final dnnl_primitive primitive;
        private final dnnl_memory scratchpad;
        private final long bytes;

        Op(dnnl_primitive_desc pd, List<Runnable> natives) {
            primitive = primitive(pd, natives);
            dnnl_memory_desc_t d = query(pd, dnnl_query_scratchpad_md);
            bytes = dnnl_memory_desc_get_size(d);
            scratchpad = bytes > 0 ? memory(d, natives) : null;
        }

        /** Executes with (argument, memory) pairs, plus the scratchpad. */
        void run(dnnl_stream stream, Object... argsAndMemories) {
            if (scratchpad != null) handle(scratchpad, scratch().get(Scratch.SCRATCHPAD, bytes));
            execute(primitive, stream, scratchpad, argsAndMemories);
        }
    }

    /**
     * A layer's plans by input shape (training batches, a last short batch, evaluation): at most {@link #MAX} kept,
     * the oldest dropped first. Used by one thread at a time, as a layer is.
     */
    static final class Plans<P> {
        private static final int MAX = 3;
        private final List<long[]> shapes = new ArrayList<>();
        private final List<P> plans = new ArrayList<>();

        /** The plan for {@code shape}, made by {@code make} the first time. */
        P get(long[] shape, Function<long[], P> make) {
            for (int i = 0; i < shapes.size(); i++) {
                if (Arrays.equals(shapes.get(i), shape)) return plans.get(i);
            }
            P p = make.apply(shape);
            if (plans.size() == MAX) {
                shapes.remove(0);
                plans.remove(0);
            }
            shapes.add(shape.clone());
            plans.add(p);
            return p;
        }
    }

    /** This thread's scratch buffers. */
    static Scratch scratch() {
        return SCRATCH.get();
    }

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    /**
     * Per-thread scratch buffers by slot, each grown to the largest request, 64-byte aligned: slots 0-3 for the
     * convolutions' reordered arrays ({@link OneDnnConvolution}), {@link #SCRATCHPAD} for oneDNN's scratchpads.
     */
    static final class Scratch {
        static final int SCRATCHPAD = 4;
        private static final int SLOTS = 5;
        private final BytePointer[] buffers = new BytePointer[SLOTS];
        private final long[] sizes = new long[SLOTS];

        Pointer get(int slot, long bytes) {
            if (sizes[slot] < bytes) {
                if (buffers[slot] != null) buffers[slot].deallocate();
                BytePointer raw = new BytePointer(bytes + 64);
                long misalignment = raw.address() % 64;
                buffers[slot] = raw;
                sizes[slot] = bytes;
                raw.position(misalignment == 0 ? 0 : 64 - misalignment);
            }
            return buffers[slot];
        }
    }

    /** Primitive attributes: a user-managed scratchpad (see {@link Op}). Created once, read-only. */
    static synchronized dnnl_primitive_attr attributes() {
        if (attributes == null) {
            dnnl_primitive_attr a = new dnnl_primitive_attr();
            check(dnnl_primitive_attr_create(a), "attributes");
            check(dnnl_primitive_attr_set_scratchpad_mode(a, dnnl_scratchpad_mode_user), "scratchpad mode");
            attributes = a;
        }
        return attributes;
    }

    private static dnnl_primitive_attr attributes;

    /** The most (argument, memory) pairs a primitive here takes (BatchNorm's backward pass: 9, and a scratchpad). */
    private static final int MAX_ARGS = 12;
    /** Per-thread argument arrays for {@link #execute}, reused: no native allocation per call. */
    private static final ThreadLocal<dnnl_exec_arg_t> ARGS = ThreadLocal.withInitial(() -> new dnnl_exec_arg_t(MAX_ARGS));

    /** Executes {@code p} with (argument, memory) pairs, and {@code scratchpad} as its scratchpad unless null. */
    private static void execute(dnnl_primitive p, dnnl_stream stream, dnnl_memory scratchpad, Object... argsAndMemories) {
        int pairs = argsAndMemories.length / 2;
        int n = pairs + (scratchpad == null ? 0 : 1);
        if (n > MAX_ARGS) throw new IllegalArgumentException(n + " arguments, at most " + MAX_ARGS);
        dnnl_exec_arg_t args = ARGS.get();
        for (int i = 0; i < pairs; i++) {
            args.position(i).arg((Integer) argsAndMemories[2 * i]).memory((dnnl_memory) argsAndMemories[2 * i + 1]);
        }
        if (scratchpad != null) args.position(pairs).arg(DNNL_ARG_SCRATCHPAD).memory(scratchpad);
        args.position(0);
        check(dnnl_primitive_execute(p, stream, n, args), "execute");
    }

    /**
     * Waits for {@code stream}, then lets {@code used} go: the arrays oneDNN read and wrote through raw addresses and
     * the plan whose objects it ran. Until this call none of them may be collected (a dense copy made by the caller is
     * referenced only by the call; a plan's cleaner destroys its primitives).
     */
    static void done(dnnl_stream stream, Object... used) {
        check(dnnl_stream_wait(stream), "wait");
        Reference.reachabilityFence(used); // the array holds its elements
    }

    static void check(int status, String what) {
        if (status != dnnl_success) throw new IllegalStateException("oneDNN " + what + " failed with status " + status);
    }
}
