package org.reidspark.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.reidspark.jobs.shard.MarketTree;
import org.reidspark.jobs.testing.HeadlessChromium;
import org.reidspark.jobs.testing.JobRun;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What a person looks at after a run, on train, train-local, evaluate and extract runs made here. The run report,
 * opened in a real headless browser (Debian's chromium): every image loads, no console error, and the numbers on the
 * page equal {@code metrics.json}; {@code reid.report.enabled=false} writes none, and the report job makes it later.
 * Screenshots land in {@code target/report-screenshots/}. The notebooks ({@code notebooks/*.ipynb}), executed by
 * {@code jupyter nbconvert --execute} against these runs: no cell fails, and what they print equals the runs' files.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ReportAndNotebooksTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final Path SCREENSHOTS = Path.of("target", "report-screenshots");

    Path data;
    Path runs;
    HeadlessChromium browser;

    @BeforeAll
    void makeRuns(@TempDir Path tmp) throws Exception {
        data = MarketTree.write(tmp.resolve("data"));
        runs = tmp.resolve("runs");
        ok(JobRun.run(TrainJobTest.tinyTraining(data, runs)));
        // a second protocol from the same distances: the report shows a row per protocol
        ok(JobRun.run("evaluate", "--run", runs.resolve("t").toString(), "reid.spark.master=\"local[2]\"",
                "reid.spark.conf.\"spark.ui.enabled\"=false", "reid.eval.also-protocols=[single-gallery-shot]"));
        ok(JobRun.run("extract", "--model", runs.resolve("t").toString(), "--input", data.toString(), "--output",
                runs.resolve("t-embeddings").toString(), "--partitions", "2", "reid.spark.master=\"local[2]\"",
                // the tree holds one corrupt training image (1 of 21): counted as unreadable, allowed here
                "reid.extract.max-bad-fraction=0.1",
                "reid.spark.conf.\"spark.ui.enabled\"=false"));
        // train-local decodes the images itself and stops at a corrupt one (the train job's shards skip it)
        Files.delete(data.resolve("Market-1501-v15.09.15/bounding_box_train/0002_c2s1_000002_00.jpg"));
        ok(JobRun.run(trainLocal("local", false)));
        browser = HeadlessChromium.start(1280, 900);
    }

    @AfterAll
    void stopBrowser() {
        if (browser != null) browser.close();
    }

    static void ok(JobRun r) {
        assertEquals(0, r.code(), r.err() + r.out());
    }

    List<String> trainLocal(String name, boolean report) {
        return List.of("train-local", "--dataset", "market1501", "--root", data.toString(), "--output", runs.toString(),
                "--name", name, "reid.report.enabled=" + report, "reid.shard.max-bad-fraction=0.2", "reid.input.height=32",
                "reid.input.width=16", "reid.model.backbone=resnet18", "reid.model.width=0.125", "reid.sampler.p=2",
                "reid.sampler.k=2", "--epochs", "2", "reid.train.schedule.warmup-epochs=1", "reid.embed.batch-size=8");
    }

    /** Opens a report and checks what a reader sees; returns the page's metric cells by name. */
    Map<String, JsonNode> check(Path dir, String screenshot) throws Exception {
        Path index = dir.resolve("report/index.html");
        assertTrue(Files.exists(index), index + " missing");
        int errorsBefore = browser.errors().size();
        browser.load(index.toUri().toString());
        JsonNode images = browser.evaluate("(() => { const all = Array.from(document.images); return {count: all.length,"
                + " broken: all.filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.getAttribute('src'))}; })()");
        assertTrue(images.path("count").asInt() >= 5, "images on the page: " + images);
        assertEquals(0, images.path("broken").size(), "images that did not load: " + images.path("broken"));
        List<String> errors = browser.errors();
        assertEquals(List.of(), errors.subList(errorsBefore, errors.size()), "console errors");
        browser.screenshot(SCREENSHOTS.resolve(screenshot));

        JsonNode cells = browser.evaluate("Array.from(document.querySelectorAll('td[data-metric]')).map(e =>"
                + " ({name: e.dataset.metric, text: e.textContent, value: e.dataset.value || ''}))");
        Map<String, JsonNode> byName = new HashMap<>();
        for (JsonNode c : cells) byName.put(c.path("name").asText(), c);
        JsonNode metrics = JSON.readTree(dir.resolve("metrics.json").toFile());
        assertMetrics(byName, "", metrics);
        for (var it = metrics.path("otherProtocols").fields(); it.hasNext(); ) {
            var other = it.next();
            assertMetrics(byName, other.getKey() + ".", other.getValue());
        }
        if (metrics.has("colourHistogramBaseline")) assertMetrics(byName, "baseline.", metrics.get("colourHistogramBaseline"));
        else assertFalse(byName.containsKey("baseline.mAP"), "a baseline that was not measured is not shown");

        // every valid query among the best, median and worst is drawn with its listed gallery items
        List<String> queries = Files.readAllLines(dir.resolve("queries.csv"));
        long valid = queries.stream().skip(1).filter(l -> l.contains(",true,")).count();
        JsonNode lists = browser.evaluate("Array.from(document.querySelectorAll('.ranklist')).map(e =>"
                + " ({key: e.dataset.queryKey, items: e.querySelectorAll('figure.item').length}))");
        assertEquals(Math.min(valid, 9), lists.size(), "rank lists drawn: " + lists);
        int listed = Math.min(metrics.path("gallery").asInt(), 10);
        for (JsonNode l : lists) assertTrue(l.path("items").asInt() >= 1 + Math.min(listed, 5), "query and its list: " + l);
        return byName;
    }

    private static void assertMetrics(Map<String, JsonNode> cells, String prefix, JsonNode m) {
        List<String> names = new ArrayList<>(List.of("mAP", "mINP"));
        double[] values = {m.path("mAP").asDouble(), m.path("mINP").asDouble()};
        List<Double> expected = new ArrayList<>(List.of(values[0], values[1]));
        for (int k : new int[] {1, 5, 10}) {
            if (m.path("cmc").size() >= k) {
                names.add("rank" + k);
                expected.add(m.path("cmc").get(k - 1).asDouble());
            }
        }
        for (int i = 0; i < names.size(); i++) {
            JsonNode cell = cells.get(prefix + names.get(i));
            assertTrue(cell != null, "the page shows " + prefix + names.get(i) + ": " + cells.keySet());
            assertEquals(String.format(Locale.ROOT, "%.4f", expected.get(i)), cell.path("text").asText(), prefix + names.get(i));
            assertEquals(expected.get(i), Double.parseDouble(cell.path("value").asText()), 0.0, prefix + names.get(i));
        }
        assertTrue(cells.get(prefix + "validQueries").path("text").asText().startsWith(m.path("validQueries").asText()));
    }

    @Test
    void theTrainJobsReportLoadsWholeAndShowsItsMetrics() throws Exception {
        Map<String, JsonNode> cells = check(runs.resolve("t"), "train.png");
        assertTrue(cells.containsKey("baseline.mAP"), "the train job measures the baseline");
        JsonNode figures = browser.evaluate("Array.from(document.querySelectorAll('figure img')).map(i => i.getAttribute('src'))"
                + ".filter(s => s.startsWith('figures/'))");
        List<String> srcs = new ArrayList<>();
        figures.forEach(f -> srcs.add(f.asText()));
        for (String f : List.of("figures/loss-loss.png", "figures/learning-rate.png", "figures/images-per-second.png",
                "figures/compute-averaging.png", "figures/evaluations.png", "figures/cmc.png", "figures/camera-pairs.png",
                "figures/ap-histogram.png")) {
            assertTrue(srcs.contains(f), f + " in " + srcs);
        }
    }

    @Test
    void anEvaluationsReportLoadsWholeWithItsModelsCurves() throws Exception {
        Path evaluation = runs.resolve("t/evaluations/market1501-standard");
        assertTrue(JSON.readTree(evaluation.resolve("metrics.json").toFile()).path("otherProtocols").has("single-gallery-shot"),
                "the evaluation has a second protocol");
        Map<String, JsonNode> cells = check(evaluation, "evaluate.png");
        assertTrue(cells.containsKey("single-gallery-shot.mAP"), "the second protocol's row: " + cells.keySet());
        assertTrue(browser.evaluate("document.body.innerText").asText().contains("The curves of the evaluated model's training run"));
    }

    @Test
    void aTrainLocalRunWithTheReportTurnedOffGetsOneFromTheReportJob() throws Exception {
        Path run = runs.resolve("local");
        assertTrue(Files.exists(run.resolve("queries.csv")), "the details are written either way");
        assertFalse(Files.exists(run.resolve("report")), "reid.report.enabled=false writes no report");
        JobRun r = JobRun.run("report", "--run", run.toString());
        ok(r);
        assertTrue(r.out().contains("report: 5 sections"), r.out());
        check(run, "train-local.png");
        assertFalse(Files.exists(run.resolve("._incomplete-report")), "the temporary report folder is gone");

        JobRun missing = JobRun.run("report", "--run", runs.resolve("nothing-here").toString());
        assertEquals(1, missing.code());
        assertTrue(missing.err().contains("is not a published run"), missing.err());
    }

    /** Executes a notebook with {@code env} as its environment's additions; returns the text its cells printed. */
    static String execute(String notebook, Map<String, String> env, Path out) throws Exception {
        Path folder = Path.of(System.getProperty("reid.repo.root", "..")).toAbsolutePath().normalize().resolve("notebooks");
        List<String> cmd = List.of("jupyter", "nbconvert", "--to", "notebook", "--execute",
                "--ExecutePreprocessor.timeout=300", "--output-dir", out.toString(), notebook);
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(folder.toFile()).redirectErrorStream(true)
                .redirectOutput(out.resolve(notebook + ".log").toFile());
        pb.environment().putAll(env);
        Process p;
        try {
            p = pb.start();
        } catch (java.io.IOException e) {
            throw new AssertionError("cannot run jupyter (" + e.getMessage() + "): the notebook tests need Debian's"
                    + " jupyter-nbconvert, python3-ipykernel, python3-pandas, python3-matplotlib and python3-sklearn, which"
                    + " .ci/run installs", e);
        }
        assertTrue(p.waitFor(10, java.util.concurrent.TimeUnit.MINUTES), notebook + " did not finish in 10 minutes");
        String log = Files.readString(out.resolve(notebook + ".log"));
        assertEquals(0, p.exitValue(), notebook + " failed:\n" + log);
        JsonNode executed = JSON.readTree(out.resolve(notebook).toFile());
        StringBuilder printed = new StringBuilder();
        int figures = 0;
        for (JsonNode cell : executed.path("cells")) {
            for (JsonNode o : cell.path("outputs")) {
                assertFalse(o.path("output_type").asText().equals("error"), notebook + ": " + o);
                if (o.has("text")) o.path("text").forEach(t -> printed.append(t.asText()));
                if (o.path("data").has("image/png")) figures++;
            }
        }
        assertTrue(figures >= 2, notebook + " drew " + figures + " figures");
        return printed.toString();
    }

    @Test
    void exploreARunPrintsTheRunsMetricsAndDrawsIt(@TempDir Path out) throws Exception {
        JsonNode m = JSON.readTree(runs.resolve("t/metrics.json").toFile());
        String printed = execute("explore-a-run.ipynb", Map.of("REID_RUN", runs.resolve("t").toString()), out);
        assertTrue(printed.contains(String.format(Locale.ROOT, "Rank-1 %.4f, mAP %.4f, mINP %.4f (%d valid queries",
                m.path("cmc").get(0).asDouble(), m.path("mAP").asDouble(), m.path("mINP").asDouble(),
                m.path("validQueries").asInt())), printed);
        // the mean of queries.csv's AP is the run's mAP
        assertTrue(printed.contains(String.format(Locale.ROOT, "mean AP %.4f (= mAP %.4f)", m.path("mAP").asDouble(),
                m.path("mAP").asDouble())), printed);
    }

    @Test
    void embeddingsDrawsTheExtractOutput(@TempDir Path out) throws Exception {
        JsonNode e = JSON.readTree(runs.resolve("t-embeddings/extract.json").toFile());
        String printed = execute("embeddings.ipynb", Map.of("REID_EMBEDDINGS", runs.resolve("t-embeddings").toString()), out);
        assertTrue(printed.contains(e.path("embedded").asInt() + " embeddings of " + e.path("dims").asInt() + " dims"), printed);
        assertTrue(printed.contains("nearest: "), printed);
    }

    @Test
    void compareRunsTabulatesEveryRun(@TempDir Path out) throws Exception {
        List<Path> dirs = List.of(runs.resolve("t"), runs.resolve("t/evaluations/market1501-standard"), runs.resolve("local"));
        String printed = execute("compare-runs.ipynb", Map.of("REID_RUNS", String.join(",",
                dirs.stream().map(Path::toString).toList())), out);
        for (Path d : dirs) {
            JsonNode m = JSON.readTree(d.resolve("metrics.json").toFile());
            String line = printed.lines().filter(l -> l.startsWith(d.getFileName().toString() + " ")).findFirst().orElse("");
            assertTrue(line.contains(String.format(Locale.ROOT, "%.4f", m.path("mAP").asDouble())), d + " in:\n" + printed);
        }
    }

    @Test
    void theBrowserCheckSeesABrokenImageAndAConsoleError(@TempDir Path tmp) throws Exception {
        Path page = tmp.resolve("broken.html");
        Files.writeString(page, "<html><body><img src=\"missing.png\"><script>console.error('boom')</script></body></html>");
        int before = browser.errors().size();
        browser.load(page.toUri().toString());
        JsonNode broken = browser.evaluate("Array.from(document.images).filter(i => !(i.complete && i.naturalWidth > 0)).length");
        assertEquals(1, broken.asInt());
        List<String> errors = browser.errors().subList(before, browser.errors().size());
        assertTrue(errors.stream().anyMatch(e -> e.contains("boom")), errors.toString());
        assertTrue(errors.stream().anyMatch(e -> e.contains("missing.png")), errors.toString());
    }
}
