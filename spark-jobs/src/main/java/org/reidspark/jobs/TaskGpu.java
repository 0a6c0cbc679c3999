package org.reidspark.jobs;

import org.apache.spark.TaskContext;
import org.apache.spark.resource.ResourceInformation;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Runs a Spark task on the GPU that Spark's resource scheduling assigned to it. With
 * {@code spark.executor.resource.gpu.amount} and {@code spark.task.resource.gpu.amount} set, every task gets
 * GPU addresses ({@link TaskContext#resourcesJMap()}, resource {@code "gpu"}); on ND4J's CUDA backend (the
 * {@code cuda} build profile) {@link #bindTask()} makes the task's thread use that device
 * ({@code Nd4j.getAffinityManager().unsafeSetDevice}), so that two tasks on one multi-GPU executor do not both
 * land on device 0. Call it first thing in a task, before any array or network is created: ND4J allocates on the
 * calling thread's device. Threads the task starts inherit nothing; the batch loader binds its own workers to the
 * device of the thread that created it.
 *
 * <p>Without an assignment nothing changes (ND4J's default device). On the CPU backend an assigned GPU cannot be
 * used: the executor logs one warning and the task runs on the CPU.
 */
public final class TaskGpu {
    /** Spark's resource name for GPUs. */
    public static final String RESOURCE = "gpu";
    private static final Logger LOG = LoggerFactory.getLogger(TaskGpu.class);
    private static final AtomicBoolean CPU_WARNED = new AtomicBoolean();
    private static final Set<Integer> BOUND_LOGGED = ConcurrentHashMap.newKeySet();

    /** What a task does with its assignment. */
    public enum Action {
        /** No GPU assigned: ND4J's default device (or the CPU). */
        NONE,
        /** CUDA backend: the task's thread is bound to {@link Choice#device()}. */
        BIND,
        /** CPU backend with a GPU assigned: runs on the CPU, warns once per executor. */
        CPU_BACKEND
    }

    /**
     * @param action   what is done
     * @param assigned the GPU addresses Spark assigned to the task (empty: none)
     * @param device   the CUDA device ordinal the thread is bound to ({@link Action#BIND} only; else -1)
     * @param message  one line saying what happened and why
     */
    public record Choice(Action action, List<String> assigned, int device, String message) {
        public Choice {
            assigned = List.copyOf(assigned);
        }
    }

    private TaskGpu() {
    }

    /**
     * Binds the calling Spark task's thread to its assigned GPU (see the class comment); outside a task, or without
     * an assignment, does nothing. Returns what was done.
     */
    public static Choice bindTask() {
        TaskContext task = TaskContext.get();
        List<String> assigned = task == null ? List.of() : addresses(task.resourcesJMap());
        if (assigned.isEmpty()) return choose(assigned, false, 0, null);
        boolean cuda = !Nd4j.getEnvironment().isCPU();
        int devices = cuda ? Nd4j.getAffinityManager().getNumberOfDevices() : 0;
        Choice choice = choose(assigned, cuda, devices, System.getenv("CUDA_VISIBLE_DEVICES"));
        switch (choice.action()) {
            case BIND -> {
                Nd4j.getAffinityManager().unsafeSetDevice(choice.device());
                if (BOUND_LOGGED.add(choice.device())) LOG.info("task {}: {}", task.taskAttemptId(), choice.message());
            }
            case CPU_BACKEND -> {
                if (CPU_WARNED.compareAndSet(false, true)) LOG.warn(choice.message());
            }
            case NONE -> {
            }
        }
        return choice;
    }

    /** The addresses of the {@code gpu} resource in a task's resources, in Spark's order (empty when none). */
    static List<String> addresses(Map<String, ResourceInformation> resources) {
        ResourceInformation gpu = resources == null ? null : resources.get(RESOURCE);
        return gpu == null ? List.of() : Arrays.asList(gpu.addresses());
    }

    /**
     * The decision, without touching ND4J or Spark.
     *
     * @param assigned           the task's GPU addresses (Spark's strings, as the discovery script printed them)
     * @param cudaBackend        whether ND4J runs on its CUDA backend
     * @param devices            the CUDA devices ND4J sees (used with the CUDA backend only)
     * @param cudaVisibleDevices the executor's {@code CUDA_VISIBLE_DEVICES}, or null: when it lists the assigned
     *                           address, the device ordinal is the address's position in that list (CUDA renumbers the
     *                           visible devices from 0, while discovery scripts built on nvidia-smi print physical
     *                           indices)
     * @throws IllegalStateException when the address is not a device index or names a device ND4J cannot see
     */
    static Choice choose(List<String> assigned, boolean cudaBackend, int devices, String cudaVisibleDevices) {
        if (assigned.isEmpty()) {
            return new Choice(Action.NONE, assigned, -1, "no GPU assigned to this task: ND4J's default device");
        }
        if (!cudaBackend) {
            return new Choice(Action.CPU_BACKEND, assigned, -1, "Spark assigned GPU " + String.join(",", assigned)
                    + " to this task, but ND4J runs on its CPU backend, so the task runs on the CPU: build the application"
                    + " jar with the cuda profile (mvn -Pcuda -DskipTests package; README, \"GPU executors\")");
        }
        String address = assigned.get(0).trim();
        int device = ordinal(address, cudaVisibleDevices);
        if (device >= devices) {
            throw new IllegalStateException("Spark assigned GPU " + address + " to this task, but ND4J sees " + devices
                    + " CUDA device(s) (0.." + (devices - 1) + ")" + (cudaVisibleDevices == null ? ""
                    : " with CUDA_VISIBLE_DEVICES=" + cudaVisibleDevices)
                    + ": the worker's GPU discovery script and the devices visible to the executor disagree");
        }
        String more = assigned.size() > 1 ? " (assigned " + String.join(",", assigned)
                + "; one task uses one device: set spark.task.resource.gpu.amount = 1)" : "";
        return new Choice(Action.BIND, assigned, device, "task bound to CUDA device " + device + " (Spark's GPU "
                + address + ")" + more);
    }

    /** The CUDA ordinal of a Spark GPU address, mapped through {@code CUDA_VISIBLE_DEVICES} when that lists it. */
    static int ordinal(String address, String cudaVisibleDevices) {
        if (cudaVisibleDevices != null && !cudaVisibleDevices.isBlank()) {
            List<String> visible = Arrays.stream(cudaVisibleDevices.split(",")).map(String::trim).toList();
            int at = visible.indexOf(address);
            if (at >= 0) return at;
        }
        try {
            int n = Integer.parseInt(address);
            if (n >= 0) return n;
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalStateException("Spark's GPU address \"" + address + "\" is not a device index (0, 1, ...)"
                + (cudaVisibleDevices == null ? "" : " and is not listed in CUDA_VISIBLE_DEVICES=" + cudaVisibleDevices)
                + ": the GPU discovery script must print indices, e.g. {\"name\": \"gpu\", \"addresses\": [\"0\", \"1\"]}");
    }
}
