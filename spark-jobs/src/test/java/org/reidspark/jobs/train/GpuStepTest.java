package org.reidspark.jobs.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.reidspark.jobs.UsageError;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code bench-scaling --gpu-step-from}: the GPU step time read from what {@code submit/gpu-reference/bot_step.py}
 * writes. The fixture is that script's real output from a {@code --smoke --device cpu} run (PyTorch 2.14.1 on this
 * project's CPU machine); the accepted case is the same file with the fields a GPU run sets.
 */
class GpuStepTest {
    @TempDir
    Path tmp;

    private ObjectNode fixture() throws Exception {
        try (InputStream in = GpuStepTest.class.getResourceAsStream("bot-step-smoke-cpu.json")) {
            return (ObjectNode) new ObjectMapper().readTree(in);
        }
    }

    private Path write(ObjectNode json) throws Exception {
        Path file = Files.createTempFile(tmp, "bot-step", ".json");
        new ObjectMapper().writeValue(file.toFile(), json);
        return file;
    }

    private static ObjectNode asGpuRun(ObjectNode json) {
        json.put("smoke", false);
        json.put("device", "NVIDIA H200");
        ((ObjectNode) json.get("batch")).put("images", 64);
        return json;
    }

    @Test
    void aGpuRunGivesItsMedianStep() throws Exception {
        ObjectNode json = asGpuRun(fixture());
        double median = json.get("train").get("median_s").asDouble();
        ScalingBenchJob.GpuStep step = ScalingBenchJob.GpuStep.read(write(json), false);
        assertEquals(median, step.seconds());
        assertTrue(step.source().startsWith("measured: PyTorch " + json.get("torch").asText() + " on NVIDIA H200, median of 3 steps"), step.source());
    }

    @Test
    void theScriptCompiles() throws Exception {
        // PyTorch is not installed where the tests run; the script's own run is checked with --device cpu --smoke
        Path script = Path.of(System.getProperty("user.dir")).resolve("../submit/gpu-reference/bot_step.py").normalize();
        assertTrue(Files.isRegularFile(script), script.toString());
        Path cache = tmp.resolve("pycache");
        Process p = new ProcessBuilder("python3", "-c", "import py_compile, sys; py_compile.compile(sys.argv[1], cfile=sys.argv[2], doraise=True)",
                script.toString(), cache.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), out);
        assertTrue(Files.size(cache) > 0, "compiled to " + cache);
    }

    @Test
    void aStatedStepSaysSo() {
        ScalingBenchJob.GpuStep step = ScalingBenchJob.GpuStep.stated(0.15);
        assertEquals(0.15, step.seconds());
        assertEquals("stated with --gpu-step-seconds, not measured", step.source());
    }

    @Test
    void theSmokeRunItselfIsRefused() throws Exception {
        UsageError e = assertThrows(UsageError.class, () -> ScalingBenchJob.GpuStep.read(write(fixture()), false));
        assertTrue(e.getMessage().contains("a --smoke run of bot_step.py"), e.getMessage());
    }

    @Test
    void whatIsNotAGpuMeasurementOfBotsBatchIsRefusedSayingWhy() throws Exception {
        ObjectNode cpu = asGpuRun(fixture());
        cpu.put("device", "cpu");
        Path cpuFile = write(cpu);
        UsageError e = assertThrows(UsageError.class, () -> ScalingBenchJob.GpuStep.read(cpuFile, false));
        assertTrue(e.getMessage().contains(cpuFile.toString()) && e.getMessage().contains("not on a GPU"), e.getMessage());

        ObjectNode small = asGpuRun(fixture());
        ((ObjectNode) small.get("batch")).put("images", 32);
        e = assertThrows(UsageError.class, () -> ScalingBenchJob.GpuStep.read(write(small), false));
        assertTrue(e.getMessage().contains("a batch of 32 images, not BoT's P16 x K4 = 64"), e.getMessage());

        ObjectNode noStep = asGpuRun(fixture());
        noStep.remove("train");
        e = assertThrows(UsageError.class, () -> ScalingBenchJob.GpuStep.read(write(noStep), false));
        assertTrue(e.getMessage().contains("no train.median_s"), e.getMessage());

        Path broken = tmp.resolve("broken.json");
        Files.writeString(broken, "{\"train\": {\"median_s\": 0.1");
        e = assertThrows(UsageError.class, () -> ScalingBenchJob.GpuStep.read(broken, false));
        assertTrue(e.getMessage().contains("cannot read it as JSON"), e.getMessage());

        e = assertThrows(UsageError.class, () -> ScalingBenchJob.GpuStep.read(tmp.resolve("absent.json"), false));
        assertTrue(e.getMessage().contains("absent.json") && e.getMessage().contains("cannot read it as JSON"), e.getMessage());

        Path good = write(asGpuRun(fixture()));
        e = assertThrows(UsageError.class, () -> ScalingBenchJob.GpuStep.read(good, true));
        assertTrue(e.getMessage().contains("not both"), e.getMessage());
    }
}
