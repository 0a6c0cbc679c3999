package org.reidspark.embed;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.reidspark.artifact.RunDirectory;
import org.reidspark.artifact.Storage;
import org.reidspark.config.ConfigLoader;
import org.reidspark.method.Method;
import org.reidspark.method.Methods;
import org.reidspark.train.NetworkSet;
import org.reidspark.train.TrainingState;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;

/**
 * The test-time network of a published training run, read back from its run directory: {@code config.conf}
 * (the run's resolved config, which fixes the input size and preprocessing), {@code run.json} (its name and
 * start time, the model's identity in outputs such as embeddings) and {@code model/<network>.zip}; the run's
 * method ({@code reid.method}) says which network's {@code embedding} output is the test feature.
 *
 * @param location  the run directory
 * @param runId     {@code <run name>@<start time>}, unique per run even when a name is reused with overwrite
 * @param config    the run's resolved config (secrets redacted)
 * @param method    the method that trained it
 * @param network   its inference network: input {@code [B, 3, H, W]}, output {@code embedding} {@code [B, D]}
 */
public record TrainedModel(Path location, String runId, Config config, String method, ComputationGraph network) {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Opens the published run at {@code location}; fails naming what is missing when it is not one. */
    public static TrainedModel open(Storage storage, String location) throws IOException {
        Path dir = Storage.path(location);
        FileSystem fs = storage.fs(dir);
        if (!fs.exists(dir)) throw new FileNotFoundException("no run directory at " + dir);
        if (!RunDirectory.isPublished(storage, dir)) {
            throw new IOException(dir + " is not a published run directory (no " + RunDirectory.MARKER
                    + " marker): the run did not finish, or this is not a run directory");
        }
        Config config = ConfigFactory.parseString(storage.readString(new Path(dir, "config.conf")))
                .withFallback(ConfigLoader.reference()).resolve();
        JsonNode info = JSON.readTree(storage.readString(new Path(dir, "run.json")));
        String runId = info.path("runName").asText(dir.getName()) + "@" + info.path("started").asText("unknown");
        Path models = new Path(dir, "model");
        if (!fs.exists(models)) throw new FileNotFoundException("run directory " + dir + " has no model/ folder");
        NetworkSet networks = new NetworkSet();
        for (FileStatus f : fs.listStatus(models)) {
            String name = f.getPath().getName();
            if (!name.endsWith(".zip")) continue;
            try (InputStream in = fs.open(f.getPath())) {
                networks.put(name.substring(0, name.length() - 4), ModelSerializer.restoreComputationGraph(in, false));
            }
        }
        String methodName = config.getString("reid.method");
        Method method = Methods.byName(methodName);
        ComputationGraph network;
        try {
            network = method.inferenceNetwork(new TrainingState(networks));
        } catch (RuntimeException e) {
            throw new IOException("run directory " + dir + " (method " + methodName + ") lacks its inference network; "
                    + "model/ holds " + networks.names() + ": " + e.getMessage(), e);
        }
        return new TrainedModel(dir, runId, config, methodName, network);
    }
}
