package org.reidspark.jobs;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import org.apache.hadoop.fs.Path;
import org.reidspark.artifact.Storage;
import org.reidspark.data.Split;
import org.reidspark.eval.baseline.SynthCalibration;
import org.reidspark.data.synth.SynthConfig;
import org.reidspark.data.synth.SynthGenerator;
import org.reidspark.data.synth.SynthVariant;
import org.reidspark.eval.Protocol;
import org.reidspark.eval.RankingMetrics;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code synth}: renders a synthetic re-ID benchmark ({@code reid.synth}) in the layout of a real dataset, with
 * foreground and part masks, {@code synth.json} and a contact sheet. With {@code --calibrate} it then reads the
 * dataset back through its catalog and prints (and writes to {@code calibration.json}) the colour-histogram
 * baseline's mAP and Rank-1; with {@code --all-variants} it does so for every variant, each in
 * {@code OUTPUT/<variant>}. Needs no Spark: rendering runs on a thread pool in this JVM.
 */
public final class SynthJob implements Job {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    @Override
    public String name() {
        return "synth";
    }

    @Override
    public String summary() {
        return "render a synthetic benchmark (holistic | occluded | clothes-changing) in a real layout, with masks";
    }

    @Override
    public List<JobOption> options() {
        return List.of(
                JobOption.config("--variant", "NAME", "reid.synth.variant", "holistic | occluded | clothes-changing"),
                JobOption.config("--output", "DIR", "reid.synth.output", "directory or URI to write the dataset to"),
                JobOption.config("--identities", "N", "reid.synth.identities", "identities (half train, half test)"),
                JobOption.config("--cameras", "C", "reid.synth.cameras", "cameras"),
                JobOption.config("--images-per-identity", "K", "reid.synth.images-per-identity", "images per identity"),
                JobOption.config("--size", "HxW", "reid.synth.size", "image size, e.g. 128x64 or 256x128"),
                JobOption.config("--seed", "S", "reid.synth.seed", "seed (same seed, same bytes)"),
                JobOption.config("--threads", "T", "reid.synth.threads", "rendering threads (0 = all processors)"),
                new JobOption("--overwrite", null, "reid.synth.overwrite", "replace a dataset already in --output"),
                JobOption.toggle("--calibrate", "rank the colour-histogram baseline on the result and print it"),
                JobOption.toggle("--all-variants", "render every variant, each into OUTPUT/<variant>"));
    }

    @Override
    public int run(JobContext ctx) throws Exception {
        SynthConfig base = SynthConfig.from(ctx.config());
        Storage storage = ctx.storage();
        boolean all = ctx.args().has("--all-variants");
        boolean calibrate = ctx.args().has("--calibrate");
        List<SynthConfig> runs = new ArrayList<>();
        if (all) {
            for (SynthVariant v : SynthVariant.values()) {
                runs.add(base.withVariant(v).withOutput(base.output().replaceAll("/+$", "") + "/" + v.configName()));
            }
        } else {
            runs.add(base);
        }
        List<String> table = new ArrayList<>();
        for (SynthConfig cfg : runs) {
            SynthGenerator.Result r = SynthGenerator.generate(cfg, storage);
            ctx.out().printf(Locale.ROOT, "synth: %s: %d images (train %d, query %d, gallery %d) in %s, %.0f s (%.0f images/minute)%n",
                    cfg.variant().configName(), r.images(), r.counts().get(Split.TRAIN), r.counts().get(Split.QUERY),
                    r.counts().get(Split.GALLERY), r.datasetRoot(), r.seconds(), r.imagesPerMinute());
            if (!calibrate) continue;
            SynthCalibration.Result cal = SynthCalibration.measure(cfg.variant(), cfg.output(), storage);
            storage.writeString(new Path(Storage.path(cfg.output()), "calibration.json"), JSON.writeValueAsString(cal.toMap()));
            for (Map.Entry<Protocol, RankingMetrics> e : cal.metrics().entrySet()) {
                String line = String.format(Locale.ROOT, "%-16s %-16s mAP %.4f  Rank-1 %.4f  (%d queries, gallery %d)",
                        cfg.variant().configName(), e.getKey().configName(), e.getValue().mAP(), e.getValue().rank(1),
                        e.getValue().validQueries(), e.getValue().gallery());
                table.add(line);
                ctx.out().println("synth: colour-histogram baseline: " + line);
            }
        }
        if (calibrate && table.size() > 1) {
            ctx.out().println("synth: calibration (colour-histogram baseline, cosine distance; seed " + base.seed() + ", "
                    + base.identities() + " identities, " + base.cameras() + " cameras, " + base.imagesPerIdentity()
                    + " images each, " + base.size() + "):");
            for (String line : table) ctx.out().println("  " + line);
        }
        return 0;
    }
}
