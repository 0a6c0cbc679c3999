package org.reidspark.eval;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.reidspark.artifact.Storage;
import org.reidspark.config.ConfigLoader;
import org.reidspark.data.Sample;
import org.reidspark.data.Split;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Per-camera-pair mAP and the evaluation details against the obvious computation on whole matrices. */
class CameraPairsTest {
    private static final int DIM = 6;

    private static float[][] vectors(SplittableRandom rnd, int[] pids) {
        float[][] v = new float[pids.length][DIM];
        for (int i = 0; i < pids.length; i++) {
            for (int d = 0; d < DIM; d++) v[i][d] = (float) (((pids[i] * 7 + d * 3) % 5) - 2 + 1.5 * rnd.nextGaussian());
        }
        return v;
    }

    private static List<Sample> samples(SplittableRandom rnd, int n, Split split) {
        List<Sample> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(new Sample("/img/" + split.lower() + "/" + i + ".jpg", rnd.nextInt(8), -1, rnd.nextInt(3), -1, split));
        }
        return out;
    }

    @Test
    void eachCellEqualsTheQueriesOfOneCameraRankedAgainstTheGalleryOfAnother() {
        SplittableRandom rnd = new SplittableRandom(5);
        List<Sample> query = samples(rnd, 40, Split.QUERY);
        List<Sample> gallery = samples(rnd, 120, Split.GALLERY);
        Labels ql = Labels.of("Q", query);
        Labels gl = Labels.of("G", gallery);
        float[][] qv = vectors(rnd, ql.pids());
        float[][] gv = vectors(rnd, gl.pids());
        EvalConfig config = EvalConfig.from(ConfigLoader.load(List.of("reid.eval.block-mb=1")));
        CameraPairs pairs = CameraPairs.of(TestFeatures.of(Embeddings.of("q", qv)), TestFeatures.of(Embeddings.of("g", gv)),
                Matching.embedding(config.metric()), ql, gl, config);

        assertEquals(List.of(0, 1, 2), List.of(pairs.queryCameras()[0], pairs.queryCameras()[1], pairs.queryCameras()[2]));
        int checkedCells = 0;
        for (int i = 0; i < pairs.queryCameras().length; i++) {
            for (int j = 0; j < pairs.galleryCameras().length; j++) {
                int qc = pairs.queryCameras()[i];
                int gc = pairs.galleryCameras()[j];
                List<Integer> qs = new ArrayList<>();
                List<Integer> gs = new ArrayList<>();
                for (int q = 0; q < ql.size(); q++) if (ql.camids()[q] == qc) qs.add(q);
                for (int g = 0; g < gl.size(); g++) if (gl.camids()[g] == gc) gs.add(g);
                double[][] d = new double[qs.size()][gs.size()];
                for (int a = 0; a < qs.size(); a++) {
                    for (int b = 0; b < gs.size(); b++) d[a][b] = DistanceBlocksTest.expected(qv[qs.get(a)], gv[gs.get(b)], Metric.COSINE);
                }
                SlowRanking.Result slow = SlowRanking.evaluate(d, sub(ql, qs), sub(gl, gs), Protocol.STANDARD, 50, 1, 0);
                assertEquals(slow.valid(), pairs.validQueries()[i][j], "valid queries, cameras " + qc + " -> " + gc);
                if (qc == gc) {
                    assertEquals(0, slow.valid(), "the standard protocol removes every same-camera match");
                    assertTrue(Double.isNaN(pairs.mAP()[i][j]));
                } else {
                    assertTrue(slow.valid() > 0, "cameras " + qc + " -> " + gc + " have valid queries in this data");
                    assertEquals(slow.mAP(), pairs.mAP()[i][j], 1e-5, "mAP, cameras " + qc + " -> " + gc);
                    checkedCells++;
                }
            }
        }
        assertEquals(6, checkedCells);
    }

    @Test
    void detailsAgreeWithTheMetricsAndAreWrittenBesideThem(@TempDir Path dir) throws Exception {
        SplittableRandom rnd = new SplittableRandom(9);
        List<Sample> query = samples(rnd, 30, Split.QUERY);
        List<Sample> gallery = samples(rnd, 90, Split.GALLERY);
        EvalConfig config = EvalConfig.from(ConfigLoader.load(List.of()));
        float[][] qv = vectors(rnd, Labels.of("q", query).pids());
        float[][] gv = vectors(rnd, Labels.of("g", gallery).pids());
        List<RankListTable.Item> qi = new ArrayList<>();
        List<RankListTable.Item> gi = new ArrayList<>();
        for (int i = 0; i < query.size(); i++) qi.add(new RankListTable.Item(1000 + i, query.get(i)));
        for (int i = 0; i < gallery.size(); i++) gi.add(new RankListTable.Item(i, gallery.get(i)));
        EvaluationDetails details = EvaluationDetails.compute(TestFeatures.of(Embeddings.of("q", qv)),
                TestFeatures.of(Embeddings.of("g", gv)), Matching.embedding(config.metric()), qi, gi, config, 5);

        RankingMetrics plain = Evaluator.evaluate(qv, gv, Labels.of("query", query), Labels.of("gallery", gallery), config);
        RankingMetrics m = details.metrics();
        assertEquals(plain.mAP(), m.mAP(), 0.0, "the details do not change the metrics");
        double apSum = 0;
        int valid = 0;
        int rank1 = 0;
        for (int q = 0; q < query.size(); q++) {
            if (!details.outcomes().valid(q)) continue;
            valid++;
            apSum += details.outcomes().averagePrecision(q);
            if (details.outcomes().firstMatchRank(q) == 1) rank1++;
        }
        assertEquals(m.validQueries(), valid);
        assertEquals(m.mAP(), apSum / valid, 1e-12);
        assertEquals(m.rank(1), (double) rank1 / valid, 1e-12);

        details.write(new Storage(new org.apache.hadoop.conf.Configuration()), new org.apache.hadoop.fs.Path(dir.toUri()));
        List<String> queries = Files.readAllLines(dir.resolve(EvaluationDetails.QUERIES_CSV));
        assertEquals(String.join(",", EvaluationDetails.QUERY_COLUMNS), queries.get(0));
        assertEquals(query.size() + 1, queries.size());
        List<String> ranks = Files.readAllLines(dir.resolve(EvaluationDetails.RANK_LIST_CSV));
        assertEquals(query.size() * 5 + 1, ranks.size());
        // each query's first listed true match sits at its first-match rank
        for (int q = 0; q < query.size(); q++) {
            String[] row = queries.get(q + 1).split(",");
            assertEquals(String.valueOf(1000 + q), row[0]);
            int first = Integer.parseInt(row[7]);
            Integer listed = null;
            int ranked = 0;
            for (int p = 0; p < 5; p++) {
                String[] r = ranks.get(1 + q * 5 + p).split(",", -1);
                assertEquals(row[0], r[0]);
                if (r[14].equals("false")) ranked++;
                if (listed == null && r[13].equals("true")) listed = Integer.parseInt(r[6]);
            }
            if (listed != null) assertEquals(first, listed.intValue(), "query " + q);
            else assertTrue(first == 0 || first > ranked, "query " + q + ": a first match within the list is listed");
        }
        assertTrue(Files.readString(dir.resolve(EvaluationDetails.CAMERA_PAIRS)).contains("\"mAP\""));
    }

    private static Labels sub(Labels l, List<Integer> rows) {
        int[] p = rows.stream().mapToInt(r -> l.pids()[r]).toArray();
        int[] c = rows.stream().mapToInt(r -> l.camids()[r]).toArray();
        return Labels.of(l.source(), p, c);
    }
}
