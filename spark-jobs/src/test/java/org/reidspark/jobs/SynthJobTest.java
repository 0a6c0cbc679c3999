package org.reidspark.jobs;

import org.reidspark.jobs.testing.JobRun;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.reidspark.data.synth.SynthVariant;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SynthJobTest {
    private static final String[] SMALL = {"--identities", "8", "--cameras", "3", "--images-per-identity", "4",
            "--size", "64x32", "--threads", "2"};

    @TempDir
    Path tmp;

    private static JobRun run(String... args) {
        List<String> all = new ArrayList<>(List.of("synth"));
        all.addAll(List.of(args));
        all.addAll(List.of(SMALL));
        return JobRun.run(all);
    }

    @Test
    void rendersAVariantAndCalibratesIt() throws Exception {
        Path out = tmp.resolve("occ");
        JobRun o = run("--variant", "occluded", "--output", out.toString(), "--calibrate");
        assertEquals(0, o.code(), o.err());
        assertTrue(Files.isDirectory(out.resolve("Occluded_Duke/query")));
        assertTrue(Files.isDirectory(out.resolve("masks/query")));
        JsonNode cal = new ObjectMapper().readTree(out.resolve("calibration.json").toFile());
        assertEquals("occluded", cal.get("variant").asText());
        double mAP = cal.get("metrics").get("standard").get("mAP").asDouble();
        assertTrue(mAP > 0 && mAP <= 1, "mAP " + mAP);
        assertEquals(cal.get("query").asInt(), cal.get("metrics").get("standard").get("queries").asInt());
        JsonNode synth = new ObjectMapper().readTree(out.resolve("synth.json").toFile());
        assertEquals(8, synth.get("parameters").get("identities").asInt());
        assertEquals("64x32", synth.get("parameters").get("size").asText());
    }

    @Test
    void allVariantsGoToTheirOwnFolders() throws Exception {
        JobRun o = run("--all-variants", "--output", tmp.toString(), "--calibrate");
        assertEquals(0, o.code(), o.err());
        for (SynthVariant v : SynthVariant.values()) {
            assertTrue(Files.isDirectory(tmp.resolve(v.configName()).resolve(v.folder())), v.configName());
            JsonNode cal = new ObjectMapper().readTree(tmp.resolve(v.configName()).resolve("calibration.json").toFile());
            assertEquals(v.clothesChanging() ? 3 : 1, cal.get("metrics").size(), v.configName());
        }
    }

    @Test
    void badVariantAndExistingOutputAreClearErrors() {
        JobRun bad = run("--variant", "partial", "--output", tmp.resolve("x").toString());
        assertEquals(2, bad.code());
        assertTrue(bad.err().contains("partial") && bad.err().contains("clothes-changing"), bad.err());
        Path out = tmp.resolve("twice");
        assertEquals(0, run("--output", out.toString()).code());
        JobRun again = run("--output", out.toString());
        assertEquals(1, again.code());
        assertTrue(again.err().contains("already exists") && again.err().contains("reid.synth.overwrite"), again.err());
        assertEquals(0, run("--output", out.toString(), "--overwrite").code());
    }
}
