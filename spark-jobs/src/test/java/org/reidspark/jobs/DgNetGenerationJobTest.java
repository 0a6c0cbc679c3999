package org.reidspark.jobs;

import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.reidspark.artifact.Storage;
import org.reidspark.config.ConfigLoader;
import org.reidspark.data.synth.SynthConfig;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code dgnet-generation}'s check that the judge trained on the DG-Net run's synthetic dataset: one folder written
 * relative in one run and absolute in the other is the same dataset (it was refused: "the judge ... did not train on
 * the DG-Net run's synthetic dataset"); another folder, or other generator parameters, are not.
 */
class DgNetGenerationJobTest {
    private static SynthConfig synth(String... settings) {
        return SynthConfig.from(ConfigLoader.load(List.of(settings)));
    }

    @Test
    void oneDatasetFolderSpelledRelativeOrAbsoluteIsTheSameDataset() {
        Storage storage = new Storage(new Configuration());
        SynthConfig relative = synth("reid.synth.output=\"data/synth-x\"");
        String absolute = Path.of("data/synth-x").toAbsolutePath().toString();
        assertTrue(DgNetGenerationJob.sameDataset(storage, relative, synth("reid.synth.output=\"" + absolute + "\"")));
        assertTrue(DgNetGenerationJob.sameDataset(storage, relative, synth("reid.synth.output=\"file:" + absolute + "\"")));
        assertFalse(DgNetGenerationJob.sameDataset(storage, relative, synth("reid.synth.output=\"data/synth-y\"")));
        assertFalse(DgNetGenerationJob.sameDataset(storage, relative,
                synth("reid.synth.output=\"data/synth-x\"", "reid.synth.identities=50")));
    }
}
