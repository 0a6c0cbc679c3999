package org.reidspark.data.synth;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.Config;
import org.apache.hadoop.fs.Path;
import org.reidspark.artifact.Storage;
import org.reidspark.data.catalog.DataConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;

/**
 * The dataset a run reads when {@code reid.data.dataset = synth}: the synthetic benchmark of {@code reid.synth},
 * generated into {@code reid.synth.output} the first time and reused afterwards when its {@code synth.json}
 * records the same variant and parameters (a different one there is an error, never silently mixed).
 */
public final class SynthDatasets {
    /** The {@code reid.data.dataset} value that asks for the synthetic benchmark. */
    public static final String NAME = "synth";
    private static final Logger LOG = LoggerFactory.getLogger(SynthDatasets.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private SynthDatasets() {
    }

    /**
     * {@code reid.data} as configured, or, for {@code synth}, the catalog and root of the (generated or reused)
     * synthetic dataset.
     */
    public static DataConfig resolve(Config config, Storage storage) throws IOException {
        DataConfig data = DataConfig.from(config);
        if (!data.dataset().equals(NAME)) return data;
        SynthConfig synth = SynthConfig.from(config);
        Path root = Storage.path(synth.output());
        Path description = new Path(root, SynthGenerator.DESCRIPTION);
        if (storage.exists(description) && !synth.overwrite()) {
            JsonNode existing = JSON.readTree(storage.readString(description));
            JsonNode wanted = JSON.readTree(JSON.writeValueAsString(SynthGenerator.parameters(synth)));
            if (!synth.variant().configName().equals(existing.path("variant").asText()) || !wanted.equals(existing.path("parameters"))) {
                throw new IOException("a different synthetic dataset is in " + root + " (" + existing.path("variant").asText()
                        + ", " + existing.path("parameters") + "); set reid.synth.output to another directory or"
                        + " reid.synth.overwrite=true to regenerate it with " + synth.variant().configName() + ", " + wanted);
            }
            LOG.info("using the synthetic {} dataset in {}", synth.variant().configName(), root);
        } else {
            LOG.info("generating the synthetic {} dataset into {} (reid.synth)", synth.variant().configName(), root);
            SynthGenerator.generate(synth, storage);
        }
        return data.withLayout(synth.variant().catalog(), root.toString());
    }
}
