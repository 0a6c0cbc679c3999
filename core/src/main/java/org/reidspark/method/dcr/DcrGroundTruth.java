package org.reidspark.method.dcr;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.hadoop.fs.Path;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.reidspark.artifact.Storage;
import org.reidspark.data.Manifest;
import org.reidspark.data.Sample;
import org.reidspark.data.batch.LoaderConfig;
import org.reidspark.data.image.ImageDecoder;
import org.reidspark.data.image.ImageSource;
import org.reidspark.data.image.InputConfig;
import org.reidspark.data.synth.SynthGenerator;
import org.reidspark.embed.Embedder;
import org.reidspark.embed.TestNetwork;
import org.reidspark.eval.Matching;
import org.reidspark.eval.Metric;
import org.reidspark.eval.TestFeatures;
import org.reidspark.model.ReidNetwork;
import org.reidspark.model.layer.GumbelStripes;
import org.reidspark.train.NetworkSet;

import javax.imageio.ImageIO;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/**
 * Whether a trained DCR model's parts are real, checked against the synthetic benchmark's ground truth
 * ({@code masks/*.fg.png}, {@code masks/*.parts.png} and the per-part visibility in {@code synth.json},
 * docs/datasets.md). <strong>Evaluation only</strong>: nothing here is read by training, which learns from identity
 * labels alone. On the test images (query and gallery), in inference mode:
 * <ul>
 *   <li>foreground: the predicted map ({@code [h, w]}, bilinearly resized to the mask's size, thresholded at 0.5)
 *       against the true foreground, mean IoU; beside it the mean-mask prior (the mean of the training images' true
 *       foregrounds, thresholded at 0.5), which knows where people usually stand and nothing about the image;</li>
 *   <li>stripes: each part's noise-free stripe (the row the Gumbel-Softmax would choose without noise: the argmax of
 *       the smoothed height profile inside the border, widened by the dilation): mean and spread (standard
 *       deviation) of its top and bottom rows over the images, and the fraction of images whose stripes are
 *       pairwise disjoint;</li>
 *   <li>visibility: on the queries (every one occluded), Spearman's rank correlation of the predicted visibility of
 *       the lowest part (the part whose mean stripe centre is lowest) with the true lower-body visibility (the mean
 *       of the legs' and shoes' visible fractions in {@code synth.json}), beside the same correlation for a seeded
 *       random visibility;</li>
 *   <li>a contact sheet of occluded queries with the predicted foreground, parts, stripes and visibility overlaid,
 *       above the true part masks.</li>
 * </ul>
 */
public final class DcrGroundTruth {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Colours of the predicted classes: background, then parts from the top. */
    private static final Color[] COLOURS = {new Color(0, 0, 0, 0), new Color(250, 210, 60), new Color(220, 50, 50),
            new Color(60, 110, 230), new Color(60, 190, 80), new Color(220, 60, 220), new Color(60, 200, 200)};

    private DcrGroundTruth() {
    }

    /** A part's stripe statistics over the images, in rows of the mid-level map. */
    public record StripeStats(int part, double meanTop, double sdTop, double meanBottom, double sdBottom) {
    }

    /**
     * @param images           test images evaluated
     * @param mapRows          rows of the mid-level map
     * @param foregroundIoU    mean IoU of the predicted foreground with the truth (test images)
     * @param priorIoU         mean IoU of the mean-mask prior with the truth (same images)
     * @param queryForegroundIoU the same over the queries only
     * @param queryPriorIoU      the prior's over the queries only
     * @param stripes          per part (in part order), top and bottom rows
     * @param disjointFraction fraction of images whose stripes are pairwise disjoint
     * @param lowestPart       the part (1-based) whose mean stripe centre is lowest
     * @param spearman         Spearman's rho of that part's visibility with the true lower-body visibility (queries)
     * @param randomSpearman   the same for a seeded random visibility
     * @param queries          queries with a defined lower-body visibility
     */
    public record Report(int images, int mapRows, double foregroundIoU, double priorIoU, double queryForegroundIoU,
                         double queryPriorIoU, List<StripeStats> stripes, double disjointFraction, int lowestPart,
                         double spearman, double randomSpearman, int queries) {
        public Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("images", images);
            m.put("mapRows", mapRows);
            m.put("foregroundIoU", foregroundIoU);
            m.put("meanMaskPriorIoU", priorIoU);
            m.put("queryForegroundIoU", queryForegroundIoU);
            m.put("queryMeanMaskPriorIoU", queryPriorIoU);
            m.put("stripes", stripes);
            m.put("disjointFraction", disjointFraction);
            m.put("lowestPart", lowestPart);
            m.put("lowerVisibilitySpearman", spearman);
            m.put("randomVisibilitySpearman", randomSpearman);
            m.put("queries", queries);
            return m;
        }

        /** A few lines for a log or the console. */
        public String summary() {
            StringBuilder sb = new StringBuilder();
            sb.append(String.format(Locale.ROOT, "foreground IoU %.4f (mean-mask prior %.4f) over %d test images; queries %.4f (prior %.4f)%n",
                    foregroundIoU, priorIoU, images, queryForegroundIoU, queryPriorIoU));
            for (StripeStats s : stripes) {
                sb.append(String.format(Locale.ROOT, "part %d stripe: top row %.2f (sd %.2f), bottom row %.2f (sd %.2f) of %d%n",
                        s.part(), s.meanTop(), s.sdTop(), s.meanBottom(), s.sdBottom(), mapRows));
            }
            sb.append(String.format(Locale.ROOT, "stripes pairwise disjoint in %.4f of the images%n", disjointFraction));
            sb.append(String.format(Locale.ROOT, "lowest part %d: Spearman %.4f with the true lower-body visibility over %d queries"
                    + " (random visibility %.4f)%n", lowestPart, spearman, queries, randomSpearman));
            return sb.toString();
        }
    }

    /** What the network says about some images: part probabilities, foreground maps and part visibility. */
    private record Maps(int h, int w, int parts, float[][] probs, float[][] foreground, float[][] visibility) {
    }

    /**
     * Runs the checks and, when {@code sheet} is not null, draws the contact sheet there.
     *
     * @param networks the trained networks ({@link DcrMethod#NETWORK})
     * @param manifest the synthetic dataset's manifest (its images have masks and a {@code synth.json})
     */
    public static Report evaluate(DcrConfig config, NetworkSet networks, Manifest manifest, Storage storage, LoaderConfig loader,
                                  int batchSize, int sheetQueries, Path sheet) throws IOException {
        ComputationGraph graph = networks.get(DcrMethod.NETWORK);
        InputConfig input = config.input();
        ImageSource images = ImageSource.decoding(storage, input);
        List<Sample> query = manifest.query();
        List<Sample> test = new ArrayList<>(query);
        test.addAll(manifest.gallery());
        if (query.isEmpty()) throw new IllegalArgumentException("the dataset has no queries to check");
        Map<String, JsonNode> truth = records(storage, query.get(0).uri());
        Maps maps = maps(graph, config, input, images, loader, batchSize, test);
        int n = test.size();
        int k = config.parts();

        double[] prior = meanMask(storage, manifest.train());
        int maskH = -1;
        int maskW = -1;
        double iou = 0;
        double priorIou = 0;
        double qIou = 0;
        double qPrior = 0;
        for (int i = 0; i < n; i++) {
            BufferedImage fg = readPng(storage, SynthGenerator.masksOf(test.get(i).uri())[0]);
            maskH = fg.getHeight();
            maskW = fg.getWidth();
            boolean[] actual = binary(fg);
            double[] predicted = resize(maps.foreground()[i], maps.h(), maps.w(), maskH, maskW);
            double a = iou(actual, predicted);
            double b = iou(actual, prior);
            iou += a;
            priorIou += b;
            if (i < query.size()) {
                qIou += a;
                qPrior += b;
            }
        }

        // noise-free stripes
        DcrConfig.Stripes sc = config.stripes();
        GumbelStripes gs = new GumbelStripes(sc.temperature(), sc.smoothing(), sc.dilation(), sc.border());
        INDArray partProbs = Nd4j.create(n, k, maps.h(), maps.w());
        for (int i = 0; i < n; i++) {
            INDArray all = Nd4j.createFromArray(maps.probs()[i]).reshape('c', k + 1, maps.h(), maps.w());
            partProbs.putSlice(i, all.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(1, k + 1),
                    org.nd4j.linalg.indexing.NDArrayIndex.all(), org.nd4j.linalg.indexing.NDArrayIndex.all()));
        }
        INDArray neutral = Nd4j.valueArrayOf(new long[] {n, k, maps.h()}, Math.exp(-1));   // Gumbel noise 0
        int[][] chosen = gs.forward(partProbs, neutral).chosen();
        int r = sc.dilation() / 2;
        List<StripeStats> stats = new ArrayList<>();
        double[] centre = new double[k];
        for (int p = 0; p < k; p++) {
            double[] top = new double[n];
            double[] bottom = new double[n];
            for (int i = 0; i < n; i++) {
                top[i] = Math.max(0, chosen[i][p] - r);
                bottom[i] = Math.min(maps.h() - 1, chosen[i][p] + r);
                centre[p] += chosen[i][p] / (double) n;
            }
            stats.add(new StripeStats(p + 1, mean(top), sd(top), mean(bottom), sd(bottom)));
        }
        int disjoint = 0;
        for (int i = 0; i < n; i++) {
            boolean ok = true;
            for (int p = 0; p < k; p++) for (int q = p + 1; q < k; q++) ok &= Math.abs(chosen[i][p] - chosen[i][q]) > 2 * r;
            if (ok) disjoint++;
        }
        int lowest = 0;
        for (int p = 1; p < k; p++) if (centre[p] > centre[lowest]) lowest = p;

        List<Double> predictedVis = new ArrayList<>();
        List<Double> trueVis = new ArrayList<>();
        for (int i = 0; i < query.size(); i++) {
            JsonNode rec = truth.get(key(query.get(i).uri(), truth));
            double lower = lowerBody(rec);
            if (Double.isNaN(lower)) continue;
            predictedVis.add((double) maps.visibility()[i][lowest]);
            trueVis.add(lower);
        }
        double[] pv = predictedVis.stream().mapToDouble(Double::doubleValue).toArray();
        double[] tv = trueVis.stream().mapToDouble(Double::doubleValue).toArray();
        Random random = new Random(17);
        double[] rv = new double[tv.length];
        for (int i = 0; i < rv.length; i++) rv[i] = random.nextDouble();

        Report report = new Report(n, maps.h(), iou / n, priorIou / n, qIou / query.size(), qPrior / query.size(), stats,
                disjoint / (double) n, lowest + 1, spearman(pv, tv), spearman(rv, tv), tv.length);
        if (sheet != null) {
            BufferedImage png = contactSheet(storage, query, truth, maps, chosen, r, centre, Math.min(sheetQueries, query.size()), report);
            try (java.io.OutputStream out = storage.fs(sheet).create(sheet, true)) {
                ImageIO.write(png, "png", out);
            }
        }
        return report;
    }

    /** The network's part probabilities, foreground and visibility for {@code samples}, through the evaluation preprocessing. */
    private static Maps maps(ComputationGraph graph, DcrConfig config, InputConfig input, ImageSource images, LoaderConfig loader,
                             int batchSize, List<Sample> samples) {
        MapsNetwork network = new MapsNetwork(graph);
        TestFeatures f = new Embedder(network, input, images, loader, batchSize, false).embed("test", samples);
        INDArray probs = f.get(DcrNetwork.PART_PROBS).matrix();
        INDArray fg = f.get(DcrNetwork.FOREGROUND).matrix();
        int h = DcrConfig.mapRows(input.height());
        int w = (int) (fg.size(1) / h);
        int k = config.parts();
        float[][] p = new float[samples.size()][];
        float[][] g = new float[samples.size()][];
        float[][] v = new float[samples.size()][];
        INDArray vis = DcrTestNetwork.visibility(probs.reshape('c', samples.size(), k + 1, h, w));
        for (int i = 0; i < samples.size(); i++) {
            p[i] = probs.getRow(i).toFloatVector();
            g[i] = fg.getRow(i).toFloatVector();
            v[i] = vis.getRow(i).toFloatVector();
        }
        return new Maps(h, w, k, p, g, v);
    }

    /** A test network whose "features" are the flattened part probabilities and foreground maps. */
    private static final class MapsNetwork implements TestNetwork {
        private final ComputationGraph graph;
        private final int global;
        private final int probs;
        private final int foreground;

        MapsNetwork(ComputationGraph graph) {
            this.graph = graph;
            this.global = ReidNetwork.outputIndex(graph, DcrNetwork.embedding(DcrNetwork.GLOBAL));
            this.probs = ReidNetwork.outputIndex(graph, DcrNetwork.PART_PROBS);
            this.foreground = ReidNetwork.outputIndex(graph, DcrNetwork.FOREGROUND);
        }

        @Override
        public List<String> arrays() {
            return List.of(TestFeatures.EMBEDDING, DcrNetwork.PART_PROBS, DcrNetwork.FOREGROUND);
        }

        @Override
        public Map<String, INDArray> forward(INDArray images) {
            INDArray[] out = graph.output(false, images.castTo(graph.getConfiguration().getDataType()));
            Map<String, INDArray> m = new LinkedHashMap<>();
            long b = images.size(0);
            m.put(TestFeatures.EMBEDDING, out[global].dup());
            m.put(DcrNetwork.PART_PROBS, out[probs].dup('c').reshape(b, -1));
            m.put(DcrNetwork.FOREGROUND, out[foreground].dup('c').reshape(b, -1));
            return m;
        }

        @Override
        public Map<String, INDArray> finish(Map<String, INDArray> sum, int views) {
            Map<String, INDArray> m = new LinkedHashMap<>();
            for (Map.Entry<String, INDArray> e : sum.entrySet()) m.put(e.getKey(), e.getValue().div(views));
            return m;
        }

        @Override
        public Matching matching(Metric configured) {
            return Matching.embedding(Metric.COSINE);
        }
    }

    /** synth.json's image records by their path relative to the dataset's root. */
    private static Map<String, JsonNode> records(Storage storage, String anyImageUri) throws IOException {
        Path masks = SynthGenerator.masksOf(anyImageUri)[0];
        Path root = masks.getParent().getParent().getParent();
        Path file = new Path(root, "synth.json");
        if (!storage.exists(file)) {
            throw new IOException("no synth.json at " + file + ": the ground-truth checks need a dataset made by the synth job");
        }
        Map<String, JsonNode> m = new LinkedHashMap<>();
        for (JsonNode rec : JSON.readTree(storage.readString(file)).path("images")) m.put(rec.path("image").asText(), rec);
        return m;
    }

    private static String key(String uri, Map<String, JsonNode> truth) {
        String path = Storage.path(uri).toUri().getPath();
        for (String k : truth.keySet()) if (path.endsWith("/" + k)) return k;
        throw new IllegalArgumentException("synth.json has no record of " + uri);
    }

    /** Mean of the legs' and shoes' visible fractions (those not null), NaN when neither is known. */
    static double lowerBody(JsonNode rec) {
        JsonNode v = rec.path("visibility");
        double sum = 0;
        int count = 0;
        for (String part : List.of("legs", "shoes")) {
            if (v.hasNonNull(part)) {
                sum += v.get(part).asDouble();
                count++;
            }
        }
        return count == 0 ? Double.NaN : sum / count;
    }

    private static BufferedImage readPng(Storage storage, Path p) throws IOException {
        BufferedImage img = ImageIO.read(new ByteArrayInputStream(ImageDecoder.readBytes(storage, p.toString())));
        if (img == null) throw new IOException("cannot decode " + p);
        return img;
    }

    private static boolean[] binary(BufferedImage mask) {
        boolean[] b = new boolean[mask.getWidth() * mask.getHeight()];
        for (int y = 0; y < mask.getHeight(); y++) {
            for (int x = 0; x < mask.getWidth(); x++) b[y * mask.getWidth() + x] = mask.getRaster().getSample(x, y, 0) > 127;
        }
        return b;
    }

    /** The mean of the training images' true foregrounds, one value per mask pixel. */
    private static double[] meanMask(Storage storage, List<Sample> train) throws IOException {
        double[] sum = null;
        for (Sample s : train) {
            boolean[] b = binary(readPng(storage, SynthGenerator.masksOf(s.uri())[0]));
            if (sum == null) sum = new double[b.length];
            if (b.length != sum.length) throw new IOException("masks of different sizes: " + s.uri());
            for (int i = 0; i < b.length; i++) if (b[i]) sum[i]++;
        }
        if (sum == null) throw new IllegalArgumentException("no training images for the mean-mask prior");
        for (int i = 0; i < sum.length; i++) sum[i] /= train.size();
        return sum;
    }

    /** IoU of a true mask with a map thresholded at 0.5. */
    static double iou(boolean[] actual, double[] map) {
        int inter = 0;
        int union = 0;
        for (int i = 0; i < actual.length; i++) {
            boolean p = map[i] >= 0.5;
            if (p && actual[i]) inter++;
            if (p || actual[i]) union++;
        }
        return union == 0 ? 1 : inter / (double) union;
    }

    /** Bilinear resize of an {@code [h, w]} map to {@code [outH, outW]} (pixel centres aligned, edges clamped). */
    static double[] resize(float[] map, int h, int w, int outH, int outW) {
        double[] out = new double[outH * outW];
        for (int y = 0; y < outH; y++) {
            double sy = Math.min(h - 1, Math.max(0, (y + 0.5) * h / outH - 0.5));
            int y0 = (int) Math.floor(sy);
            int y1 = Math.min(h - 1, y0 + 1);
            double fy = sy - y0;
            for (int x = 0; x < outW; x++) {
                double sx = Math.min(w - 1, Math.max(0, (x + 0.5) * w / outW - 0.5));
                int x0 = (int) Math.floor(sx);
                int x1 = Math.min(w - 1, x0 + 1);
                double fx = sx - x0;
                out[y * outW + x] = (1 - fy) * ((1 - fx) * map[y0 * w + x0] + fx * map[y0 * w + x1])
                        + fy * ((1 - fx) * map[y1 * w + x0] + fx * map[y1 * w + x1]);
            }
        }
        return out;
    }

    /** Spearman's rank correlation (Pearson's of the ranks, ties given their mean rank); 0 when either is constant. */
    static double spearman(double[] a, double[] b) {
        if (a.length != b.length) throw new IllegalArgumentException("Spearman needs pairs, got " + a.length + " and " + b.length);
        double[] ra = ranks(a);
        double[] rb = ranks(b);
        double ma = mean(ra);
        double mb = mean(rb);
        double num = 0;
        double da = 0;
        double db = 0;
        for (int i = 0; i < a.length; i++) {
            num += (ra[i] - ma) * (rb[i] - mb);
            da += (ra[i] - ma) * (ra[i] - ma);
            db += (rb[i] - mb) * (rb[i] - mb);
        }
        return da == 0 || db == 0 ? 0 : num / Math.sqrt(da * db);
    }

    private static double[] ranks(double[] v) {
        Integer[] order = new Integer[v.length];
        for (int i = 0; i < v.length; i++) order[i] = i;
        Arrays.sort(order, (x, y) -> Double.compare(v[x], v[y]));
        double[] r = new double[v.length];
        for (int i = 0; i < v.length; ) {
            int j = i;
            while (j + 1 < v.length && v[order[j + 1]] == v[order[i]]) j++;
            double rank = (i + j) / 2.0 + 1;
            for (int t = i; t <= j; t++) r[order[t]] = rank;
            i = j + 1;
        }
        return r;
    }

    private static double mean(double[] v) {
        double s = 0;
        for (double x : v) s += x;
        return v.length == 0 ? Double.NaN : s / v.length;
    }

    private static double sd(double[] v) {
        if (v.length < 2) return 0;
        double m = mean(v);
        double s = 0;
        for (double x : v) s += (x - m) * (x - m);
        return Math.sqrt(s / (v.length - 1));
    }

    /**
     * Occluded queries, one column each, drawn at twice their size: the image; the predicted foreground as a red
     * overlay; the predicted classes (argmax of background and parts, parts coloured from the top, background
     * clear) with each part's noise-free stripe marked at the left edge; the true part mask. Captions: the predicted
     * visibility of the parts from the top, and the true lower-body visibility.
     */
    private static BufferedImage contactSheet(Storage storage, List<Sample> query, Map<String, JsonNode> truth, Maps maps,
                                              int[][] chosen, int r, double[] centre, int count, Report report) throws IOException {
        int k = maps.parts();
        Integer[] fromTop = new Integer[k];
        for (int p = 0; p < k; p++) fromTop[p] = p;
        Arrays.sort(fromTop, (a, b) -> Double.compare(centre[a], centre[b]));
        int[] colourOf = new int[k];
        for (int i = 0; i < k; i++) colourOf[fromTop[i]] = 1 + i % (COLOURS.length - 1);
        ImageDecoder decoder = new ImageDecoder(org.reidspark.data.image.Alpha.DROP);
        int scale = 2;
        BufferedImage first = readPng(storage, SynthGenerator.masksOf(query.get(0).uri())[0]);
        int w = first.getWidth() * scale;
        int h = first.getHeight() * scale;
        int gap = 4;
        int title = 46;
        int caption = 26;
        int rows = 4;
        int width = gap + count * (w + gap);
        int height = title + rows * (h + gap) + caption + gap;
        BufferedImage sheet = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = sheet.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(new Color(245, 245, 245));
        g.fillRect(0, 0, width, height);
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        g.drawString(String.format(Locale.ROOT, "DCR on occluded queries: image | predicted foreground | predicted parts (stripes at"
                + " the left edge) | true parts.   Foreground IoU %.3f (mean-mask prior %.3f); lowest part's visibility vs true",
                report.foregroundIoU(), report.priorIoU()), gap, 14);
        g.drawString(String.format(Locale.ROOT, "lower-body visibility: Spearman %.3f over %d queries (random %.3f).  Captions: predicted"
                        + " visibility of the parts from the top / true lower-body visibility.", report.spearman(), report.queries(),
                report.randomSpearman()), gap, 30);
        for (int c = 0; c < count; c++) {
            Sample s = query.get(c);
            int x = gap + c * (w + gap);
            BufferedImage img = decoder.read(storage, s.uri()).toBufferedImage();
            int y = title;
            g.drawImage(img, x, y, w, h, null);
            // predicted foreground
            y += h + gap;
            g.drawImage(img, x, y, w, h, null);
            double[] fg = resize(maps.foreground()[c], maps.h(), maps.w(), h, w);
            BufferedImage heat = new BufferedImage(w, h, BufferedImage.TYPE_INT_ARGB);
            for (int py = 0; py < h; py++) {
                for (int px = 0; px < w; px++) {
                    int a = (int) Math.round(200 * Math.max(0, Math.min(1, fg[py * w + px])));
                    heat.setRGB(px, py, (a << 24) | 0xE02020);
                }
            }
            g.drawImage(heat, x, y, null);
            // predicted parts, nearest upsampling of the argmax
            y += h + gap;
            g.drawImage(img, x, y, w, h, null);
            BufferedImage parts = new BufferedImage(w, h, BufferedImage.TYPE_INT_ARGB);
            for (int py = 0; py < h; py++) {
                int my = Math.min(maps.h() - 1, py * maps.h() / h);
                for (int px = 0; px < w; px++) {
                    int mx = Math.min(maps.w() - 1, px * maps.w() / w);
                    int best = 0;
                    for (int p = 1; p <= k; p++) {
                        if (maps.probs()[c][(p * maps.h() + my) * maps.w() + mx] > maps.probs()[c][(best * maps.h() + my) * maps.w() + mx]) best = p;
                    }
                    Color col = best == 0 ? COLOURS[0] : COLOURS[colourOf[best - 1]];
                    parts.setRGB(px, py, best == 0 ? 0 : (150 << 24) | (col.getRGB() & 0xFFFFFF));
                }
            }
            g.drawImage(parts, x, y, null);
            for (int p = 0; p < k; p++) {
                int top = Math.max(0, chosen[c][p] - r) * h / maps.h();
                int bottom = (Math.min(maps.h() - 1, chosen[c][p] + r) + 1) * h / maps.h();
                g.setColor(COLOURS[colourOf[p]]);
                g.fillRect(x + 1 + 4 * colourIndex(fromTop, p), y + top, 3, bottom - top);
            }
            // truth
            y += h + gap;
            BufferedImage trueParts = readPng(storage, SynthGenerator.masksOf(s.uri())[1]);
            g.drawImage(org.reidspark.data.synth.ContactSheet.colourParts(trueParts), x, y, w, h, null);
            // captions
            y += h + gap;
            StringBuilder vis = new StringBuilder();
            for (int i = 0; i < k; i++) vis.append(i == 0 ? "" : " ").append(String.format(Locale.ROOT, "%.2f", maps.visibility()[c][fromTop[i]]));
            double lower = lowerBody(truth.get(key(s.uri(), truth)));
            g.setColor(Color.BLACK);
            g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 10));
            g.drawString(vis.toString(), x, y + 10);
            g.drawString(Double.isNaN(lower) ? "-" : String.format(Locale.ROOT, "true lower %.2f", lower), x, y + 22);
        }
        g.dispose();
        return sheet;
    }

    private static int colourIndex(Integer[] fromTop, int part) {
        for (int i = 0; i < fromTop.length; i++) if (fromTop[i] == part) return i;
        return 0;
    }
}
