package org.reidspark.eval.baseline;

import org.reidspark.artifact.Storage;
import org.reidspark.data.Manifest;
import org.reidspark.data.catalog.Catalogs;
import org.reidspark.eval.Protocol;
import org.reidspark.eval.RankingMetrics;
import org.reidspark.data.synth.SynthVariant;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The difficulty of a generated benchmark, measured: the dataset is read back through the catalog of its
 * layout (as any user would read it) and the colour-histogram baseline is ranked on its query and gallery under
 * the variant's protocols. The calibration targets are in docs/datasets.md: mAP between 0.15 and 0.40 on
 * holistic, lower on occluded, lower again in the clothes-changing protocol of the clothes-changing variant.
 */
public final class SynthCalibration {
    /**
     * @param variant  the benchmark
     * @param manifest what its catalog read
     * @param metrics  the baseline's metrics per protocol
     */
    public record Result(SynthVariant variant, Manifest manifest, Map<Protocol, RankingMetrics> metrics) {
        /** The fields of {@code calibration.json}. */
        public Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("variant", variant.configName());
            m.put("catalog", variant.catalog());
            m.put("baseline", "colour histogram (org.reidspark.eval.baseline.ColorHistogramEmbedder), cosine distance");
            m.put("train", manifest.train().size());
            m.put("query", manifest.query().size());
            m.put("gallery", manifest.gallery().size());
            Map<String, Object> per = new LinkedHashMap<>();
            metrics.forEach((p, r) -> per.put(p.configName(), r.toMap()));
            m.put("metrics", per);
            return m;
        }
    }

    private SynthCalibration() {
    }

    /** The protocols a variant is measured under: standard; for clothes-changing also CC and same-clothes. */
    public static List<Protocol> protocols(SynthVariant v) {
        return v.clothesChanging() ? List.of(Protocol.STANDARD, Protocol.CLOTHES_CHANGING, Protocol.SAME_CLOTHES)
                : List.of(Protocol.STANDARD);
    }

    /** Reads the {@code variant} dataset under {@code output} with its catalog and ranks the baseline on it. */
    public static Result measure(SynthVariant variant, String output, Storage storage) throws IOException {
        Manifest manifest = Catalogs.byName(variant.catalog()).read(storage, output);
        Map<Protocol, RankingMetrics> metrics = new LinkedHashMap<>();
        for (Protocol p : protocols(variant)) metrics.put(p, HistogramBaseline.evaluate(manifest, storage, p));
        return new Result(variant, manifest, metrics);
    }
}
