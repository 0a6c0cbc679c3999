package org.reidspark.jobs;

import org.junit.jupiter.api.Test;
import org.reidspark.jobs.testing.JobRun;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code step-bench} end to end: DG-Net's step at a tiny size through the launcher's config (every term of the step
 * reported, its ramped ones on), and a clear error when there are too few identities for a batch. No timing asserted.
 */
class StepBenchJobTest {
    @Test
    void timesTheConfiguredMethodsStep() {
        JobRun r = TrainJobTest.run(List.of("step-bench", "reid.method=dgnet", "reid.model.backbone=resnet18",
                "reid.model.width=0.125", "reid.input.height=64", "reid.input.width=32", "reid.sampler.p=2",
                "reid.sampler.k=2", "reid.dgnet.bottleneck=8", "reid.dgnet.generator.dim=2", "reid.dgnet.generator.res-blocks=2",
                "reid.dgnet.generator.dilations=[1,2]", "reid.dgnet.generator.mlp-dim=8", "reid.dgnet.discriminator.dim=4",
                "reid.dgnet.discriminator.layers=1", "reid.dgnet.discriminator.res-blocks=1", "reid.dgnet.discriminator.scales=2",
                "--warmup", "1", "--iterations", "2", "--identities", "3"));
        assertEquals(0, r.code(), r.err() + r.out());
        assertTrue(r.out().contains("dgnet: median") && r.out().contains("over 2 steps") && r.out().contains("batch 4"), r.out());
        assertTrue(r.out().contains("cycle=") && !r.out().contains("cycle=0.0,"), "the ramped terms are on: " + r.out());

        JobRun few = TrainJobTest.run(List.of("step-bench", "reid.method=bot", "reid.model.backbone=resnet18",
                "reid.model.width=0.125", "reid.input.height=32", "reid.input.width=16", "reid.sampler.p=4",
                "reid.sampler.k=2", "--identities", "3"));
        assertTrue(few.code() != 0, few.out());
        assertTrue(few.err().contains("needs at least 4 identities"), few.err());
    }
}
