package org.reidspark.jobs.retrain;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.example.GroupReadSupport;
import org.reidspark.artifact.Storage;
import org.reidspark.data.Sample;
import org.reidspark.data.Split;
import org.reidspark.data.batch.LoaderConfig;
import org.reidspark.data.image.ImageSource;
import org.reidspark.data.image.InputConfig;
import org.reidspark.embed.Embedder;
import org.reidspark.eval.TestFeatures;
import org.reidspark.registry.Registry;
import org.reidspark.run.TrainedModel;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What a consumer of a registry relies on, checked from {@code champion.json} alone: the champion's model loads and
 * embeds, its embeddings were made by that model (their {@code extract.json} and every row name its run id), hold
 * every image of the collection, and an image embedded now by the model equals its stored row.
 */
final class ChampionCheck {
    private ChampionCheck() {
    }

    /** Checks the champion of the registry at {@code location}; returns it. */
    static Registry.Champion check(Storage storage, String location, int collectionImages) throws Exception {
        Registry registry = Registry.at(storage, location);
        Registry.Champion c = registry.champion().orElseThrow(() -> new AssertionError("no champion in " + location));
        TrainedModel model = TrainedModel.open(storage, c.model());
        assertEquals(c.runId(), model.runId(), "champion.json names the model's run");
        JsonNode info = new ObjectMapper().readTree(storage.readString(new Path(c.embeddings(), "extract.json")));
        assertEquals(model.runId(), info.get("modelRunId").asText(), "the embeddings are the champion's: " + c);
        Map<String, float[]> rows = rows(storage, new Path(c.embeddings(), "embeddings.parquet"), model.runId());
        assertEquals(collectionImages, rows.size(), "every image of the collection is embedded");
        String uri = rows.keySet().iterator().next();
        InputConfig input = InputConfig.from(model.config());
        Embedder embedder = new Embedder(model.testNetwork(), input, ImageSource.decoding(storage, input),
                LoaderConfig.from(model.config()), 1, false);
        TestFeatures now = embedder.embed("check", List.of(new Sample(uri, 1, -1, 0, -1, Split.GALLERY)));
        float[] expected = now.embedding().matrix().getRow(0).toFloatVector();
        float[] stored = rows.get(uri);
        assertEquals(expected.length, stored.length);
        for (int i = 0; i < expected.length; i++) {
            assertTrue(Math.abs(expected[i] - stored[i]) < 1e-4, "the champion embeds " + uri + " as stored: dimension " + i
                    + " " + expected[i] + " vs " + stored[i]);
        }
        return c;
    }

    /** uri -> embedding of every row of an {@code embeddings.parquet} folder, each row's model run id checked. */
    static Map<String, float[]> rows(Storage storage, Path dir, String runId) throws IOException {
        Map<String, float[]> out = new LinkedHashMap<>();
        List<Path> files = new ArrayList<>();
        for (FileStatus f : storage.fs(dir).listStatus(dir)) {
            String n = f.getPath().getName();
            if (n.endsWith(".parquet") && !n.startsWith(".") && !n.startsWith("_")) files.add(f.getPath());
        }
        files.sort(null);
        for (Path f : files) {
            try (ParquetReader<Group> r = ParquetReader.builder(new GroupReadSupport(), f).withConf(storage.hadoop()).build()) {
                for (Group g = r.read(); g != null; g = r.read()) {
                    assertEquals(runId, g.getString("model_run_id", 0));
                    Group list = g.getGroup("embedding", 0);
                    float[] v = new float[list.getFieldRepetitionCount("list")];
                    for (int i = 0; i < v.length; i++) v[i] = list.getGroup("list", i).getFloat("element", 0);
                    out.put(g.getString("uri", 0), v);
                }
            }
        }
        return out;
    }
}
