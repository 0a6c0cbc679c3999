package org.reidspark.model.backbone;

import org.bytedeco.javacpp.Pointer;
import org.nd4j.linalg.api.buffer.DataBuffer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ndarray.INDArrayStatistics;
import org.nd4j.linalg.api.ops.BroadcastOp;
import org.nd4j.linalg.api.ops.CustomOp;
import org.nd4j.linalg.api.ops.CustomOpDescriptor;
import org.nd4j.linalg.api.ops.GridOp;
import org.nd4j.linalg.api.ops.IndexAccumulation;
import org.nd4j.linalg.api.ops.MetaOp;
import org.nd4j.linalg.api.ops.Op;
import org.nd4j.linalg.api.ops.OpContext;
import org.nd4j.linalg.api.ops.RandomOp;
import org.nd4j.linalg.api.ops.ReduceOp;
import org.nd4j.linalg.api.ops.ScalarOp;
import org.nd4j.linalg.api.ops.TransformOp;
import org.nd4j.linalg.api.ops.aggregates.Aggregate;
import org.nd4j.linalg.api.ops.aggregates.Batch;
import org.nd4j.linalg.api.ops.executioner.OpExecutioner;
import org.nd4j.linalg.api.ops.impl.scatter.ScatterUpdate;
import org.nd4j.linalg.api.ops.impl.summarystats.Variance;
import org.nd4j.linalg.api.rng.Random;
import org.nd4j.linalg.api.shape.LongShapeDescriptor;
import org.nd4j.linalg.api.shape.TadPack;
import org.nd4j.linalg.cache.TADManager;
import org.nd4j.linalg.env.EnvironmentalAction;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.profiler.ProfilerConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.ref.Reference;
import java.lang.reflect.Field;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * ND4J's executioner with every operation's operands kept reachable until its native call has returned: the CPU
 * backend's own executioner ({@code NativeOpExecutioner}) behind a wrapper whose methods call it and then
 * {@link Reference#reachabilityFence} the op, its context and any array or buffer argument.
 *
 * <p>Why: ND4J 1.0.0-M2.1's CPU executioner (read in its bytecode: {@code exec(BroadcastOp, OpContext)}, and the
 * reduce, scalar and transform paths alike) takes each operand's native buffer from its Java array, calls libnd4j, and
 * after that refers only to z, which it returns. An operand that nothing else refers to (a temporary: {@code
 * x.mean(2, 3)} passed straight into a broadcast, the product in {@code a.mul(b).sum(1)}) is then collectable while
 * libnd4j reads it, and ND4J's deallocator thread frees its native memory under the call once a collection (set off
 * by another thread: the batch loaders) has found it: a full {@code mvn verify} crashed once so, in
 * {@code DataBuffer::primary()} inside {@code execBroadcast} (docs/performance.md, "A freed buffer under a native
 * call"). A fence here covers every operation that goes through the executioner: the project's layers, DL4J's own
 * layers and losses, ND4J's instance methods, matrix products ({@code mmul}, {@code Nd4j.gemm} and the BLAS
 * wrapper's {@code gemm} and {@code gemv} run ND4J's {@code Mmul} op). Not covered: level-1 BLAS ({@code axpy},
 * {@code dot}, ...) and the rarer level-2/3 routines ({@code ger}, {@code syrk}, {@code trsm}, ...), which ND4J's
 * {@code BaseLevel1/2/3} call directly, and the project's direct oneDNN calls, which fence their own arrays
 * ({@code OneDnn}).
 *
 * <p>How it is installed: in every JVM that has this class on its class path (driver, Spark executors, test JVMs),
 * by ND4J itself. While ND4J initialises, after it has made the backend's executioner, it loads the
 * {@link EnvironmentalAction} services; {@link Installer} is one (META-INF/services), and its constructor swaps
 * ND4J's executioner for this wrapper (ND4J keeps it in one private static field, which nothing else copies: the
 * jars of ND4J and DL4J were searched). {@code REID_ND4J_FENCE=off} in the environment puts the backend's executioner
 * back (to measure the wrapper's cost; docs/performance.md). {@link #describe()} says which one runs; the smoke job
 * reports it from every task. The CUDA backend keeps its own executioner: its BLAS code casts
 * {@code Nd4j.getExecutioner()} to {@code CudaExecutioner} (its {@code axpy}), which a wrapper would break.
 */
public final class FencedExecutioner implements OpExecutioner {
    /** The environment variable that, set to {@code off}, leaves ND4J's own executioner in place. */
    public static final String SWITCH = "REID_ND4J_FENCE";
    private static final Logger LOG = LoggerFactory.getLogger(FencedExecutioner.class);
    private static final String FIELD = "OP_EXECUTIONER_INSTANCE";

    private final OpExecutioner backend;

    private FencedExecutioner(OpExecutioner backend) {
        this.backend = backend;
    }

    /**
     * ND4J's {@link EnvironmentalAction} service that installs the fence while ND4J initialises (see the class
     * comment): its constructor installs, {@link #process} removes it again when {@value #SWITCH} is {@code off}.
     * Never throws: a failure is logged and ND4J runs unfenced.
     */
    public static final class Installer implements EnvironmentalAction {
        public Installer() {
            try {
                install();
            } catch (RuntimeException | LinkageError e) {
                LOG.warn("ND4J's executioner could not be fenced; operands of native calls are not kept reachable: {}",
                        e.toString());
            }
        }

        @Override
        public String targetVariable() {
            return SWITCH;
        }

        @Override
        public void process(String value) {
            if ("off".equalsIgnoreCase(value.trim())) {
                uninstall();
                LOG.info("{}=off: ND4J's executioner runs unfenced", SWITCH);
            } else if (!"on".equalsIgnoreCase(value.trim())) {
                LOG.warn("{}={} is neither on nor off; the executioner stays fenced", SWITCH, value);
            }
        }
    }

    /**
     * Wraps ND4J's current executioner unless it is wrapped already or is not the CPU backend's (see the class
     * comment); initialises ND4J if it was not. Returns whether it is wrapped now.
     */
    public static synchronized boolean install() {
        OpExecutioner current = current();
        if (current instanceof FencedExecutioner) return true;
        if (current.type() != ExecutionerType.NATIVE_CPU) {
            LOG.info("ND4J's {} executioner is left unfenced (only the CPU backend's is wrapped)", current.type());
            return false;
        }
        set(new FencedExecutioner(current));
        return true;
    }

    /** Puts the backend's executioner back if it is wrapped. */
    public static synchronized void uninstall() {
        if (current() instanceof FencedExecutioner f) set(f.backend);
    }

    /** Whether ND4J's executioner is fenced now. */
    public static boolean installed() {
        return Nd4j.getExecutioner() instanceof FencedExecutioner;
    }

    /** One line: ND4J's backend and executioner, and whether operands are fenced ({@code CpuBackend, NativeOpExecutioner, fenced}). */
    public static String describe() {
        OpExecutioner e = Nd4j.getExecutioner();
        OpExecutioner inner = e instanceof FencedExecutioner f ? f.backend : e;
        return Nd4j.getBackend().getClass().getSimpleName() + ", " + inner.getClass().getSimpleName() + ", "
                + (e == inner ? "not fenced" : "fenced");
    }

    /** The executioner this wrapper calls. */
    public OpExecutioner backend() {
        return backend;
    }

    private static Field field() {
        try {
            Field f = Nd4j.class.getDeclaredField(FIELD);
            f.setAccessible(true);
            return f;
        } catch (NoSuchFieldException e) {
            throw new IllegalStateException("Nd4j." + FIELD + " not found: this ND4J is not 1.0.0-M2.1", e);
        }
    }

    private static OpExecutioner current() {
        try {
            return (OpExecutioner) field().get(null);
        } catch (IllegalAccessException e) {
            throw new IllegalStateException("Nd4j." + FIELD + " cannot be read", e);
        }
    }

    private static void set(OpExecutioner executioner) {
        try {
            field().set(null, executioner);
        } catch (IllegalAccessException e) {
            throw new IllegalStateException("Nd4j." + FIELD + " cannot be set", e);
        }
    }

    // ---- operations: the backend's call, then the fence (written out, not through a helper taking a lambda and
    //      varargs: nothing is allocated per operation) ----

    @Override
    public INDArray exec(Op op) {
        try {
            return backend.exec(op);
        } finally {
            Reference.reachabilityFence(op);
        }
    }

    @Override
    public INDArray exec(Op op, OpContext context) {
        try {
            return backend.exec(op, context);
        } finally {
            Reference.reachabilityFence(op);
            Reference.reachabilityFence(context);
        }
    }

    @Override
    public TransformOp execAndReturn(TransformOp op) {
        try {
            return backend.execAndReturn(op);
        } finally {
            Reference.reachabilityFence(op);
        }
    }

    @Override
    public ReduceOp execAndReturn(ReduceOp op) {
        try {
            return backend.execAndReturn(op);
        } finally {
            Reference.reachabilityFence(op);
        }
    }

    @Override
    public Variance execAndReturn(Variance op) {
        try {
            return backend.execAndReturn(op);
        } finally {
            Reference.reachabilityFence(op);
        }
    }

    @Override
    public IndexAccumulation execAndReturn(IndexAccumulation op) {
        try {
            return backend.execAndReturn(op);
        } finally {
            Reference.reachabilityFence(op);
        }
    }

    @Override
    public ScalarOp execAndReturn(ScalarOp op) {
        try {
            return backend.execAndReturn(op);
        } finally {
            Reference.reachabilityFence(op);
        }
    }

    @Override
    public BroadcastOp execAndReturn(BroadcastOp op) {
        try {
            return backend.execAndReturn(op);
        } finally {
            Reference.reachabilityFence(op);
        }
    }

    @Override
    public Op execAndReturn(Op op) {
        try {
            return backend.execAndReturn(op);
        } finally {
            Reference.reachabilityFence(op);
        }
    }

    @Override
    public CustomOp execAndReturn(CustomOp op) {
        try {
            return backend.execAndReturn(op);
        } finally {
            Reference.reachabilityFence(op);
        }
    }

    @Override
    public INDArray exec(ReduceOp op) {
        try {
            return backend.exec(op);
        } finally {
            Reference.reachabilityFence(op);
        }
    }

    @Override
    public INDArray exec(BroadcastOp op) {
        try {
            return backend.exec(op);
        } finally {
            Reference.reachabilityFence(op);
        }
    }

    @Override
    public INDArray exec(ScalarOp op) {
        try {
            return backend.exec(op);
        } finally {
            Reference.reachabilityFence(op);
        }
    }

    @Override
    public INDArray exec(Variance op) {
        try {
            return backend.exec(op);
        } finally {
            Reference.reachabilityFence(op);
        }
    }

    @Override
    public INDArray exec(IndexAccumulation op) {
        try {
            return backend.exec(op);
        } finally {
            Reference.reachabilityFence(op);
        }
    }

    @Override
    public void exec(MetaOp op) {
        try {
            backend.exec(op);
        } finally {
            Reference.reachabilityFence(op);
        }
    }

    @Override
    public void exec(GridOp op) {
        try {
            backend.exec(op);
        } finally {
            Reference.reachabilityFence(op);
        }
    }

    @Override
    public void exec(Aggregate op) {
        try {
            backend.exec(op);
        } finally {
            Reference.reachabilityFence(op);
        }
    }

    @Override
    public <T extends Aggregate> void exec(Batch<T> batch) {
        try {
            backend.exec(batch);
        } finally {
            Reference.reachabilityFence(batch);
        }
    }

    @Override
    public void exec(List<Aggregate> batch) {
        try {
            backend.exec(batch);
        } finally {
            Reference.reachabilityFence(batch);
        }
    }

    @Override
    public INDArray exec(RandomOp op) {
        try {
            return backend.exec(op);
        } finally {
            Reference.reachabilityFence(op);
        }
    }

    @Override
    public INDArray exec(RandomOp op, Random rng) {
        try {
            return backend.exec(op, rng);
        } finally {
            Reference.reachabilityFence(op);
            Reference.reachabilityFence(rng);
        }
    }

    @Override
    public INDArray[] exec(CustomOp op) {
        try {
            return backend.exec(op);
        } finally {
            Reference.reachabilityFence(op);
        }
    }

    @Override
    public INDArray[] exec(CustomOp op, OpContext context) {
        try {
            return backend.exec(op, context);
        } finally {
            Reference.reachabilityFence(op);
            Reference.reachabilityFence(context);
        }
    }

    @Override
    public List<LongShapeDescriptor> calculateOutputShape(CustomOp op) {
        try {
            return backend.calculateOutputShape(op);
        } finally {
            Reference.reachabilityFence(op);
        }
    }

    @Override
    public List<LongShapeDescriptor> calculateOutputShape(CustomOp op, OpContext context) {
        try {
            return backend.calculateOutputShape(op, context);
        } finally {
            Reference.reachabilityFence(op);
            Reference.reachabilityFence(context);
        }
    }

    @Override
    public INDArray[] allocateOutputArrays(CustomOp op) {
        try {
            return backend.allocateOutputArrays(op);
        } finally {
            Reference.reachabilityFence(op);
        }
    }

    @Override
    public INDArray thresholdEncode(INDArray input, double threshold) {
        try {
            return backend.thresholdEncode(input, threshold);
        } finally {
            Reference.reachabilityFence(input);
        }
    }

    @Override
    public INDArray thresholdEncode(INDArray input, double threshold, Integer boundary) {
        try {
            return backend.thresholdEncode(input, threshold, boundary);
        } finally {
            Reference.reachabilityFence(input);
        }
    }

    @Override
    public INDArray thresholdDecode(INDArray encoded, INDArray target) {
        try {
            return backend.thresholdDecode(encoded, target);
        } finally {
            Reference.reachabilityFence(encoded);
            Reference.reachabilityFence(target);
        }
    }

    @Override
    public long bitmapEncode(INDArray indArray, INDArray target, double threshold) {
        try {
            return backend.bitmapEncode(indArray, target, threshold);
        } finally {
            Reference.reachabilityFence(indArray);
            Reference.reachabilityFence(target);
        }
    }

    @Override
    public INDArray bitmapEncode(INDArray indArray, double threshold) {
        try {
            return backend.bitmapEncode(indArray, threshold);
        } finally {
            Reference.reachabilityFence(indArray);
        }
    }

    @Override
    public INDArray bitmapDecode(INDArray encoded, INDArray target) {
        try {
            return backend.bitmapDecode(encoded, target);
        } finally {
            Reference.reachabilityFence(encoded);
            Reference.reachabilityFence(target);
        }
    }

    @Override
    public Map<String, INDArray> executeGraph(long id, Map<String, INDArray> map, Map<String, Integer> reverseMap) {
        try {
            return backend.executeGraph(id, map, reverseMap);
        } finally {
            Reference.reachabilityFence(map);
        }
    }

    @Override
    public void scatterUpdate(ScatterUpdate.UpdateOp op, INDArray array, INDArray indices, INDArray updates, int[] axis) {
        try {
            backend.scatterUpdate(op, array, indices, updates, axis);
        } finally {
            Reference.reachabilityFence(array);
            Reference.reachabilityFence(indices);
            Reference.reachabilityFence(updates);
        }
    }

    @Override
    public INDArrayStatistics inspectArray(INDArray array) {
        try {
            return backend.inspectArray(array);
        } finally {
            Reference.reachabilityFence(array);
        }
    }

    @Override
    public TadPack tadShapeInfoAndOffsets(INDArray array, int[] dimension) {
        try {
            return backend.tadShapeInfoAndOffsets(array, dimension);
        } finally {
            Reference.reachabilityFence(array);
        }
    }

    @Override
    public String getString(DataBuffer buffer, long index) {
        try {
            return backend.getString(buffer, index);
        } finally {
            Reference.reachabilityFence(buffer);
        }
    }

    @Override
    public int useCount(DataBuffer buffer) {
        try {
            return backend.useCount(buffer);
        } finally {
            Reference.reachabilityFence(buffer);
        }
    }

    // ---- everything else: the backend's, unchanged ----

    @Override
    public boolean isVerbose() {
        return backend.isVerbose();
    }

    @Override
    public boolean isDebug() {
        return backend.isDebug();
    }

    @Override
    public ExecutionerType type() {
        return backend.type();
    }

    @Override
    public String getLastOp() {
        return backend.getLastOp();
    }

    @Override
    public Properties getEnvironmentInformation() {
        return backend.getEnvironmentInformation();
    }

    @Override
    public void setProfilingMode(ProfilingMode mode) {
        backend.setProfilingMode(mode);
    }

    @Override
    public void setProfilingConfig(ProfilerConfig config) {
        backend.setProfilingConfig(config);
    }

    @Override
    public ProfilingMode getProfilingMode() {
        return backend.getProfilingMode();
    }

    @Override
    public TADManager getTADManager() {
        return backend.getTADManager();
    }

    @Override
    public void printEnvironmentInformation() {
        backend.printEnvironmentInformation();
    }

    @Override
    public void push() {
        backend.push();
    }

    @Override
    public void commit() {
        backend.commit();
    }

    @Override
    public Map<String, CustomOpDescriptor> getCustomOperations() {
        return backend.getCustomOperations();
    }

    @Override
    public void enableDebugMode(boolean reallyEnable) {
        backend.enableDebugMode(reallyEnable);
    }

    @Override
    public void enableVerboseMode(boolean reallyEnable) {
        backend.enableVerboseMode(reallyEnable);
    }

    @Override
    public boolean isExperimentalMode() {
        return backend.isExperimentalMode();
    }

    @Override
    public void registerGraph(long id, Pointer graph) {
        backend.registerGraph(id, graph);
    }

    @Override
    public void forgetGraph(long id) {
        backend.forgetGraph(id);
    }

    @Override
    public void setElementsThreshold(int threshold) {
        backend.setElementsThreshold(threshold);
    }

    @Override
    public void setTadThreshold(int threshold) {
        backend.setTadThreshold(threshold);
    }

    @Override
    public OpContext buildContext() {
        return backend.buildContext();
    }

    @Override
    public DataBuffer createShapeInfo(long[] shape, long[] stride, long elementWiseStride, char order, DataType dtype, boolean empty) {
        return backend.createShapeInfo(shape, stride, elementWiseStride, order, dtype, empty);
    }

    @Override
    public DataBuffer createShapeInfo(long[] shape, long[] stride, long elementWiseStride, char order, DataType dtype, long extras) {
        return backend.createShapeInfo(shape, stride, elementWiseStride, order, dtype, extras);
    }

    @Override
    public DataBuffer createConstantBuffer(long[] values, DataType desiredType) {
        return backend.createConstantBuffer(values, desiredType);
    }

    @Override
    public DataBuffer createConstantBuffer(int[] values, DataType desiredType) {
        return backend.createConstantBuffer(values, desiredType);
    }

    @Override
    public DataBuffer createConstantBuffer(float[] values, DataType desiredType) {
        return backend.createConstantBuffer(values, desiredType);
    }

    @Override
    public DataBuffer createConstantBuffer(double[] values, DataType desiredType) {
        return backend.createConstantBuffer(values, desiredType);
    }
}
