package org.reidspark.jobs;

import org.apache.spark.resource.ResourceInformation;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The choice of a task's GPU without a GPU: no assignment, the CPU backend, address parsing and
 * CUDA_VISIBLE_DEVICES mapping, and the GPU discovery script (submit/discover-gpus.sh) with a stand-in nvidia-smi,
 * read back by Spark's own parser. Binding on a real CUDA device cannot be run here (no GPU).
 */
class TaskGpuTest {
    static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

    @TempDir
    Path tmp;

    @Test
    void withoutAnAssignmentNothingChanges() {
        TaskGpu.Choice c = TaskGpu.choose(List.of(), true, 4, null);
        assertEquals(TaskGpu.Action.NONE, c.action());
        assertEquals(-1, c.device());
        assertEquals(TaskGpu.Action.NONE, TaskGpu.choose(List.of(), false, 0, null).action());
    }

    @Test
    void outsideASparkTaskNothingIsBound() {
        TaskGpu.Choice c = TaskGpu.bindTask();
        assertEquals(TaskGpu.Action.NONE, c.action());
        assertTrue(c.assigned().isEmpty());
    }

    @Test
    void theCpuBackendKeepsTheAssignmentAndSaysHowToUseIt() {
        TaskGpu.Choice c = TaskGpu.choose(List.of("1"), false, 0, null);
        assertEquals(TaskGpu.Action.CPU_BACKEND, c.action());
        assertEquals(List.of("1"), c.assigned());
        assertEquals(-1, c.device());
        assertTrue(c.message().contains("GPU 1") && c.message().contains("CPU backend") && c.message().contains("-Pcuda"),
                c.message());
    }

    @Test
    void theCudaBackendBindsTheAssignedDevice() {
        TaskGpu.Choice c = TaskGpu.choose(List.of("1"), true, 2, null);
        assertEquals(TaskGpu.Action.BIND, c.action());
        assertEquals(1, c.device());
        assertEquals(0, TaskGpu.choose(List.of(" 0 "), true, 1, null).device());
    }

    @Test
    void cudaVisibleDevicesRenumbersTheDevices() {
        // the Worker's script printed physical index 5; CUDA inside the executor sees only 3 and 5, as 0 and 1
        assertEquals(1, TaskGpu.choose(List.of("5"), true, 2, "3,5").device());
        assertEquals(0, TaskGpu.choose(List.of("GPU-8f2e"), true, 1, "GPU-8f2e").device());
        // an address the list does not name is taken as CUDA's own number
        assertEquals(1, TaskGpu.choose(List.of("1"), true, 2, "3,5").device());
    }

    @Test
    void aDeviceNd4jCannotSeeIsAClearError() {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> TaskGpu.choose(List.of("2"), true, 2, null));
        assertTrue(e.getMessage().contains("GPU 2") && e.getMessage().contains("2 CUDA device(s)"), e.getMessage());
        e = assertThrows(IllegalStateException.class, () -> TaskGpu.choose(List.of("GPU-8f2e"), true, 2, null));
        assertTrue(e.getMessage().contains("\"GPU-8f2e\" is not a device index"), e.getMessage());
        e = assertThrows(IllegalStateException.class, () -> TaskGpu.choose(List.of("-1"), true, 2, "0,1"));
        assertTrue(e.getMessage().contains("\"-1\"") && e.getMessage().contains("CUDA_VISIBLE_DEVICES=0,1"), e.getMessage());
    }

    @Test
    void severalAddressesUseTheFirstAndSaySo() {
        TaskGpu.Choice c = TaskGpu.choose(List.of("2", "3"), true, 4, null);
        assertEquals(2, c.device());
        assertEquals(List.of("2", "3"), c.assigned());
        assertTrue(c.message().contains("spark.task.resource.gpu.amount = 1"), c.message());
    }

    @Test
    void addressesComeFromTheGpuResourceOnly() {
        ResourceInformation gpu = new ResourceInformation("gpu", new String[]{"1", "0"});
        ResourceInformation fpga = new ResourceInformation("fpga", new String[]{"7"});
        assertEquals(List.of("1", "0"), TaskGpu.addresses(Map.of("gpu", gpu, "fpga", fpga)));
        assertEquals(List.of(), TaskGpu.addresses(Map.of("fpga", fpga)));
        assertEquals(List.of(), TaskGpu.addresses(null));
    }

    @Test
    void theDiscoveryScriptPrintsWhatSparkParses() throws Exception {
        Path bin = toolsOnly();
        script(bin.resolve("nvidia-smi"), "[ \"$*\" = \"--query-gpu=index --format=csv,noheader\" ] || exit 9\nprintf ' 0\\n 1\\n3\\n'");
        Run r = discover(bin);
        assertEquals(0, r.code, r.output);
        ResourceInformation info = ResourceInformation.parseJson(r.output.trim());
        assertEquals("gpu", info.name());
        assertArrayEquals(new String[]{"0", "1", "3"}, info.addresses());
    }

    @Test
    void theDiscoveryScriptFailsClearlyWithoutNvidiaSmi() throws Exception {
        Run r = discover(toolsOnly());
        assertNotEquals(0, r.code, r.output);
        assertTrue(r.output.contains("nvidia-smi not found"), r.output);
    }

    private record Run(int code, String output) {
    }

    /** The script with PATH = {@code bin} only. */
    private Run discover(Path bin) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(ROOT.resolve("submit/discover-gpus.sh").toString()).redirectErrorStream(true);
        pb.environment().put("PATH", bin.toString());
        Process p = pb.start();
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("discover-gpus.sh did not finish in 30 s");
        }
        return new Run(p.exitValue(), new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
    }

    /** A PATH folder with the tools the script uses and no nvidia-smi (a GPU machine's real one stays out). */
    private Path toolsOnly() throws IOException {
        Path bin = Files.createDirectories(tmp.resolve("bin"));
        for (String tool : List.of("bash", "tr", "sed", "paste", "hostname", "cat")) {
            for (String dir : List.of("/usr/bin", "/bin")) {
                Path p = Path.of(dir, tool);
                if (Files.isExecutable(p)) {
                    Files.createSymbolicLink(bin.resolve(tool), p.toRealPath());
                    break;
                }
            }
        }
        return bin;
    }

    private static void script(Path file, String body) throws IOException {
        Files.writeString(file, "#!/bin/sh\n" + body + "\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
    }
}
