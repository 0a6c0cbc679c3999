package org.reidspark.run;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.deeplearning4j.util.ModelSerializer;
import org.reidspark.artifact.RunDirectory;
import org.reidspark.artifact.Storage;
import org.reidspark.config.ConfigLoader;
import org.reidspark.embed.TestNetwork;
import org.reidspark.method.Method;
import org.reidspark.method.Methods;
import org.reidspark.train.NetworkSet;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;

/**
 * A published training run's model, read back from its run directory: {@code config.conf} (the run's resolved
 * config, which fixes the input size and preprocessing and the method with its settings), {@code run.json} (its
 * name and start time, the model's identity in outputs such as embeddings) and {@code model/<network>.zip} (its
 * trained networks); the method makes its test network from them.
 *
 * @param location the run directory
 * @param runId    {@code <run name>@<start time>}, unique per run even when a name is reused with overwrite
 * @param config   the run's resolved config (secrets redacted)
 * @param method   the method that trained it, with the run's settings
 * @param networks its trained networks
 */
public record TrainedModel(Path location, String runId, Config config, Method method, NetworkSet networks) {
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
        Method method = Methods.of(config);
        TrainedModel model = new TrainedModel(dir, runId, config, method, networks);
        try {
            model.testNetwork();
        } catch (RuntimeException e) {
            throw new IOException("run directory " + dir + " (method " + method.name() + ") lacks what its test network needs; "
                    + "model/ holds " + networks.names() + ": " + e.getMessage(), e);
        }
        return model;
    }

    /** The method's test network over these networks (one per thread: DL4J graphs are not thread-safe). */
    public TestNetwork testNetwork() {
        return method.testNetwork(networks);
    }

    /** This model in the form Spark ships to executors. */
    public TestModel portable() {
        return TestModel.of(method, networks);
    }
}
