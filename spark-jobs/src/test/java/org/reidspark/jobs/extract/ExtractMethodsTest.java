package org.reidspark.jobs.extract;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigValueFactory;
import org.apache.parquet.example.data.Group;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.reidspark.artifact.RunDirectory;
import org.reidspark.config.RunConfig;
import org.reidspark.data.Sample;
import org.reidspark.data.Split;
import org.reidspark.data.batch.LoaderConfig;
import org.reidspark.data.image.ImageSource;
import org.reidspark.data.image.InputConfig;
import org.reidspark.embed.Embedder;
import org.reidspark.eval.TestFeatures;
import org.reidspark.jobs.testing.JobRun;
import org.reidspark.method.Method;
import org.reidspark.method.Methods;
import org.reidspark.method.TrainingData;
import org.reidspark.method.ContractData;
import org.reidspark.method.bot.BotContractTest;
import org.reidspark.method.cal.CalContractTest;
import org.reidspark.method.dcr.DcrContractTest;
import org.reidspark.method.paul.PaulContractTest;
import org.reidspark.method.toy.ToyContractTest;
import org.reidspark.run.TrainedModel;
import org.reidspark.train.TrainingState;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code extract} writes what each method's test features are: one {@code array<float>} column per array of its test
 * network ({@code embedding}, and for the toy and DCR also {@code parts} and {@code visibility}), with the values the core
 * {@link Embedder} computes for the same files.
 */
class ExtractMethodsTest {
    @TempDir
    Path tmp;

    static Stream<Arguments> methods() {
        return Stream.of(Arguments.of("bot", BotContractTest.tiny()), Arguments.of("toy", ToyContractTest.tiny()),
                Arguments.of("cal", CalContractTest.tiny()),
                Arguments.of("dcr", DcrContractTest.tiny()), Arguments.of("paul", PaulContractTest.tiny()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("methods")
    void writesOneColumnPerTestFeatureArray(String name, Config tiny) throws Exception {
        Config config = tiny.withValue("reid.run.name", ConfigValueFactory.fromAnyRef(name))
                .withValue("reid.run.output", ConfigValueFactory.fromAnyRef(tmp.resolve("runs").toString()));
        Method method = Methods.of(config);
        // the contract's tiny data: 4 identities, two cameras, two outfits each (CAL needs clothes classes)
        TrainingState state = method.initialize(TrainingData.of(new ContractData(4, 32, 16).manifest()), 7, null);
        try (RunDirectory run = RunDirectory.create(ExtractFixture.localStorage(), RunConfig.from(config), config, "train")) {
            run.writeModels(state.trainedNetworks());
            run.publish();
        }
        Path model = tmp.resolve("runs").resolve(name);
        Path images = ExtractFixture.writeImages(tmp.resolve("images"));
        Path out = tmp.resolve("out");
        JobRun r = ExtractFixture.extract(List.of("--model", model.toString(), "--input", images.toString(),
                "--output", out.toString(), "--partitions", "2"));
        assertEquals(0, r.code(), r.err() + r.out());

        TrainedModel m = TrainedModel.open(ExtractFixture.localStorage(), model.toString());
        List<String> arrays = m.testNetwork().arrays();
        InputConfig input = InputConfig.from(m.config());
        Embedder embedder = new Embedder(m.testNetwork(), input, ImageSource.decoding(ExtractFixture.localStorage(), input),
                new LoaderConfig(1, 2), 3, false);
        List<Sample> samples = new ArrayList<>();
        for (String g : ExtractFixture.GOOD) samples.add(new Sample(images.resolve(g).toString(), 0, -1, 0, -1, Split.GALLERY));
        TestFeatures expected = embedder.embed("reference", samples);

        List<Group> rows = ExtractFixture.rows(out.resolve(ExtractFiles.EMBEDDINGS));
        assertEquals(ExtractFixture.GOOD.size(), rows.size());
        for (Group g : rows) {
            List<String> columns = new ArrayList<>();
            for (int f = 0; f < g.getType().getFieldCount(); f++) columns.add(g.getType().getFieldName(f));
            List<String> want = new ArrayList<>(List.of("uri"));
            want.addAll(arrays);
            want.addAll(List.of("model_run_id", "dims"));
            assertEquals(want, columns, name);
            String uri = g.getString("uri", 0);
            int i = -1;
            for (int k = 0; k < samples.size(); k++) if (uri.endsWith(ExtractFixture.GOOD.get(k))) i = k;
            assertTrue(i >= 0, uri);
            for (String a : arrays) {
                float[] want1 = expected.get(a).matrix().getRow(i).toFloatVector();
                Group list = g.getGroup(a, 0);
                assertEquals(want1.length, list.getFieldRepetitionCount("list"), a);
                for (int j = 0; j < want1.length; j++) {
                    assertEquals(want1[j], list.getGroup("list", j).getFloat("element", 0), 1e-5, name + " " + a + " of " + uri);
                }
            }
            assertEquals(expected.embedding().dim(), g.getInteger("dims", 0));
        }
        if (List.of("toy", "dcr").contains(name)) assertTrue(arrays.containsAll(List.of(TestFeatures.PARTS, TestFeatures.VISIBILITY)), arrays.toString());
        Map<?, ?> info = new com.fasterxml.jackson.databind.ObjectMapper().readValue(out.resolve(ExtractFiles.SUMMARY).toFile(), Map.class);
        assertEquals(arrays, List.copyOf(((Map<?, ?>) info.get("features")).keySet()), "extract.json lists the arrays");
    }
}
