package org.reidspark.model;

import org.apache.hadoop.conf.Configuration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.reidspark.artifact.Storage;
import org.reidspark.model.head.BNNeck;

import java.io.File;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PretrainedWeightsTest {
    private static final Storage STORAGE = new Storage(new Configuration());

    @TempDir
    Path tmp;

    private static ModelConfig config(String backbone, double width, String pretrained) {
        return new ModelConfig(backbone, width, 1, 32, 16, true, pretrained);
    }

    private static ComputationGraph build(ModelConfig m, int classes, long seed) {
        return ReidNetwork.build(m, classes, new NetworkOptions(seed, DataType.FLOAT, new Adam(1e-3), 0), STORAGE);
    }

    private File save(ComputationGraph g, String name) throws IOException {
        File f = tmp.resolve(name).toFile();
        ModelSerializer.writeModel(g, f, false);
        return f;
    }

    @Test
    void dl4jZipFillsTheBackboneAndLeavesTheHead() throws IOException {
        ModelConfig m = config("resnet18", 1.0 / 16, "");
        ComputationGraph source = build(m, 5, 1);
        // give the running statistics non-default values so that their copy is visible
        source.getLayer("layer3.1.bn2").getParam("var").assign(2.5);
        File zip = save(source, "source.zip");
        ComputationGraph target = build(config("resnet18", 1.0 / 16, zip.getPath()), 3, 2);
        for (String layer : ReidNetwork.backboneLayers(m)) {
            for (Map.Entry<String, INDArray> p : source.getLayer(layer).paramTable().entrySet()) {
                assertEquals(p.getValue(), target.getLayer(layer).getParam(p.getKey()), layer + "_" + p.getKey());
            }
        }
        assertEquals(2.5, target.getLayer("layer3.1.bn2").getParam("var").getDouble(0), 0);
        assertArrayEquals(new long[]{32, 3}, target.getLayer(BNNeck.LOGITS).getParam("W").shape(), "head keeps its own size");
        ComputationGraph fresh = build(m, 3, 2);
        assertEquals(fresh.getLayer(BNNeck.LOGITS).getParam("W"), target.getLayer(BNNeck.LOGITS).getParam("W"),
                "head keeps its own initialization");
    }

    @Test
    void anotherBackboneFailsNamingMissingLayers() throws IOException {
        File zip = save(build(config("resnet18", 1.0 / 16, ""), 3, 1), "r18.zip");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> build(config("resnet34", 1.0 / 16, zip.getPath()), 3, 1));
        assertTrue(e.getMessage().contains("r18.zip") && e.getMessage().contains("lacks") && e.getMessage().contains("layer1.2.conv1"),
                e.getMessage());
    }

    @Test
    void anotherWidthFailsNamingParameterAndShapes() throws IOException {
        File zip = save(build(config("resnet18", 1.0 / 16, ""), 3, 1), "narrow.zip");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> build(config("resnet18", 1.0 / 8, zip.getPath()), 3, 1));
        assertTrue(e.getMessage().contains("conv1.W") && e.getMessage().contains("[4, 3, 7, 7]")
                && e.getMessage().contains("[8, 3, 7, 7]"), e.getMessage());
    }

    @Test
    void missingOrBrokenFilesFailClearly() throws IOException {
        String missing = tmp.resolve("nope.zip").toString();
        UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> build(config("resnet18", 1.0 / 16, missing), 3, 1));
        assertTrue(e.getMessage().contains("not found") && e.getMessage().contains("nope.zip"), e.getMessage());
        Path junk = tmp.resolve("junk.npz");
        Files.writeString(junk, "not a zip");
        UncheckedIOException j = assertThrows(UncheckedIOException.class, () -> build(config("resnet18", 1.0 / 16, junk.toString()), 3, 1));
        assertTrue(j.getMessage().contains("junk.npz"), j.getMessage());
    }

    /** A torchvision-named state dict written here as NumPy's savez does (one .npy per key in a zip). */
    @Test
    void torchvisionStateDictWithModulePrefixMapsByName() throws IOException {
        ModelConfig m = config("resnet18", 1.0 / 16, "");
        ComputationGraph reference = build(m, 3, 9);
        Map<String, INDArray> state = new LinkedHashMap<>();
        for (String layer : ReidNetwork.backboneLayers(m)) {
            Map<String, INDArray> p = reference.getLayer(layer).paramTable();
            if (p.containsKey("W")) {
                state.put("module." + layer + ".weight", p.get("W").dup());
            } else {
                state.put("module." + layer + ".weight", p.get("gamma").dup().reshape(p.get("gamma").length()));
                state.put("module." + layer + ".bias", p.get("beta").dup().addi(0.25).reshape(p.get("beta").length()));
                state.put("module." + layer + ".running_mean", p.get("mean").dup().addi(0.5).reshape(p.get("mean").length()));
                state.put("module." + layer + ".running_var", p.get("var").dup().muli(3).reshape(p.get("var").length()));
            }
        }
        state.put("module.fc.weight", Nd4j.rand(DataType.FLOAT, 1000, 32));
        File npz = tmp.resolve("state.npz").toFile();
        try (ZipOutputStream zip = new ZipOutputStream(new FileOutputStream(npz))) {
            for (Map.Entry<String, INDArray> e : state.entrySet()) {
                zip.putNextEntry(new ZipEntry(e.getKey() + ".npy"));
                zip.write(Nd4j.toNpyByteArray(e.getValue()));
                zip.closeEntry();
            }
            zip.putNextEntry(new ZipEntry("module.bn1.num_batches_tracked.npy"));
            zip.write(Nd4j.toNpyByteArray(Nd4j.scalar(7L)));
            zip.closeEntry();
        }
        ComputationGraph target = build(config("resnet18", 1.0 / 16, npz.getPath()), 3, 1);
        assertEquals(state.get("module.layer2.0.downsample.0.weight"), target.getLayer("layer2.0.downsample.0").getParam("W"));
        INDArray var = target.getLayer("layer2.0.downsample.1").getParam("var");
        assertEquals(state.get("module.layer2.0.downsample.1.running_var"), var.reshape(var.length()));
        INDArray beta = target.getLayer("bn1").getParam("beta");
        assertEquals(0.25, beta.getDouble(0), 1e-7);
    }

    /** core/src/test/resources/pretrained/torchvision_resnet18_w1.npz, written by NumPy (see its script). */
    @Test
    void numpyWrittenTorchvisionFileLoads() throws Exception {
        File npz = new File(getClass().getResource("/pretrained/torchvision_resnet18_w1.npz").toURI());
        Map<String, INDArray> state = PretrainedWeights.readNpz(npz, "fixture");
        assertEquals(122 - 20, state.size(), "the 20 int64 num_batches_tracked entries are skipped");
        assertFalse(state.containsKey("bn1.num_batches_tracked"));
        ComputationGraph g = build(config("resnet18", 1.0 / 64, npz.getPath()), 3, 1);
        // value = (flat index + 1) / 1000 + 10 * (position of the key in the file)
        assertEquals((66 + 1) / 1000.0, g.getLayer("conv1").getParam("W").getDouble(0, 1, 2, 3), 1e-6);
        assertEquals(1140 + (565 + 1) / 1000.0, g.getLayer("layer4.1.conv2").getParam("W").getDouble(7, 6, 2, 1), 1e-4);
        INDArray var = g.getLayer("layer2.0.downsample.1").getParam("var");
        assertEquals(460.002, var.getDouble(1), 1e-4);
        // and the network runs
        INDArray out = ReidNetwork.embed(g, Nd4j.rand(DataType.FLOAT, 2, 3, 32, 16));
        assertArrayEquals(new long[]{2, 8}, out.shape());
    }

    @Test
    void nonResNetStateDictFails() throws IOException {
        File npz = tmp.resolve("other.npz").toFile();
        try (ZipOutputStream zip = new ZipOutputStream(new FileOutputStream(npz))) {
            zip.putNextEntry(new ZipEntry("features.0.weight.npy"));
            zip.write(Nd4j.toNpyByteArray(Nd4j.rand(DataType.FLOAT, 4, 3, 3, 3)));
            zip.closeEntry();
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> build(config("resnet18", 1.0 / 16, npz.getPath()), 3, 1));
        assertTrue(e.getMessage().contains("conv1.weight") && e.getMessage().contains("features.0.weight"), e.getMessage());
        assertTrue(List.of(e.getMessage()).get(0).contains("other.npz"), e.getMessage());
    }
}
