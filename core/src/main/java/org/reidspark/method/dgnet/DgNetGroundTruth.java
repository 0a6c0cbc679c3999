package org.reidspark.method.dgnet;

import org.apache.hadoop.fs.Path;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.reidspark.artifact.Storage;
import org.reidspark.data.Manifest;
import org.reidspark.data.Sample;
import org.reidspark.data.image.ImageDecoder;
import org.reidspark.data.image.ImageSource;
import org.reidspark.data.image.InputConfig;
import org.reidspark.data.image.Normalizer;
import org.reidspark.data.image.Resize;
import org.reidspark.data.image.RgbImage;
import org.reidspark.data.synth.Counterfactuals;
import org.reidspark.embed.Embedder;
import org.reidspark.eval.TestFeatures;
import org.reidspark.model.ReidNetwork;

import javax.imageio.ImageIO;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.function.Consumer;

/**
 * Whether a trained DG-Net generator does what the paper says (https://arxiv.org/abs/1904.07223, section 3.1 and
 * Fig. 1: {@code G(a_i, s_j)} is person j's image {@code x_j} dressed in the clothes of image {@code x_i}), checked on
 * <strong>held-out test identities</strong> of the synthetic benchmark against its pixel ground truth, the
 * counterfactual render {@code cf(i, j)} ({@link Counterfactuals}: x_j's scene, camera, view and pose with x_i's
 * outfit). Evaluation only: nothing here is read by training. For seeded random pairs (x_i, x_j, x_k) of test images of
 * three different identities, in inference mode ({@link DgNetGeneration}), every image 8-bit RGB at the input size:
 * <ul>
 *   <li>L1 (mean absolute difference of intensities in 0..1 over pixels and channels) to {@code cf(i, j)} of
 *       {@code G(a_i, s_j)}, of the copy baseline {@code x_j} and of {@code G(a_k, s_j)} (another person's clothes),
 *       over the whole image and over the person (the union of both renders' foregrounds), and the fraction of pairs
 *       where the generated image is the nearer; beside them the self-reconstruction {@code G(a_j, s_j)} against
 *       {@code x_j}; and the same off the person (the background, where {@code cf(i, j)} is x_j's scene);</li>
 *   <li>whose scene a generated image's background takes its colour from: the mean colour (3 channels, 0..1) of its
 *       background against that of the structure image x_j (the same pixels) and that of the appearance donor's own
 *       image (x_i, or x_k for {@code G(a_k, s_j)}, over its own background pixels), as the mean absolute difference
 *       of the three means, and the fraction of pairs where the donor's scene is the nearer; the counterfactual (x_j's
 *       scene by construction) is the control that should go to x_j; beside them, how far the self-reconstruction's
 *       background colour is from x_j's, and how far one colour for every background (the mean of x_j's) would be. The
 *       paper puts the background in the structure code; Es sees the structure image in gray only, so the colour of
 *       x_j's scene can only come to {@code G} through what Es keeps of its gray levels;</li>
 *   <li>a frozen re-ID judge trained separately (a published run on the same training identities, not the teacher):
 *       every image is assigned to the test identity whose mean judge embedding (cosine; flip-averaged, as its
 *       evaluation) is nearest, leaving the pair's own images out of those means. Rates of assignment to i, j and k
 *       for the generated image and its controls: the counterfactual itself (how far clothes decide the judge), the
 *       structure image x_j (the judge's accuracy), the self-reconstruction (should go to j) and {@code G(a_k, s_j)}
 *       (shuffled appearance codes: to i at chance);</li>
 *   <li>a grid like the paper's Fig. 1 (rows appearance donors, columns structure providers) beside the counterfactual
 *       truth.</li>
 * </ul>
 */
public final class DgNetGroundTruth {
    private DgNetGroundTruth() {
    }

    /** What the judge assigned images of one kind to, as fractions of the pairs. */
    public record Assigned(double toI, double toJ, double toK) {
    }

    /**
     * Where one kind of image's background colour comes from, over the pairs: the mean distance of its background's
     * mean colour to the structure image's ({@code toStructure}) and to the appearance donor's own scene
     * ({@code toDonor}), and the fraction of pairs where the donor's is the nearer.
     */
    public record SceneColour(double toStructure, double toDonor, double nearerDonor) {
    }

    /**
     * @param pairs      pairs evaluated
     * @param identities test identities (the judge's classes; chance is {@code 1 / identities})
     * @param l1         L1 to {@code cf(i, j)} over the whole image: {@code generated}, {@code copy} (x_j), {@code other}
     *                   (G(a_k, s_j)); and {@code self} (G(a_j, s_j) to x_j)
     * @param personL1   the same over the person's pixels
     * @param beatsCopy  fraction of pairs with L1(G(a_i, s_j), cf) below L1(x_j, cf) (whole image)
     * @param beatsOther fraction of pairs with L1(G(a_i, s_j), cf) below L1(G(a_k, s_j), cf)
     * @param judge      per kind of image ({@code counterfactual}, {@code structure}, {@code generated}, {@code self},
     *                   {@code shuffled}) what the judge assigned it to
     * @param backgroundL1 the L1 of {@code l1} over the pixels off the person
     * @param scenes     per kind ({@code counterfactual}, {@code generated}: donor x_i, {@code shuffled}: donor x_k) where
     *                   its background colour comes from
     * @param scenesApart the mean distance of the background colours of x_i's and x_j's own scenes (how far apart the two
     *                   are to begin with)
     * @param selfScene  the mean distance of the self-reconstruction G(a_j, s_j)'s background colour to x_j's (what G makes
     *                   of the scene when the appearance code is x_j's own)
     * @param constantScene the mean distance of x_j's background colour to the mean of them all: what one colour for every
     *                   background would miss by
     */
    public record Report(int pairs, int identities, Map<String, Double> l1, Map<String, Double> personL1, double beatsCopy,
                         double beatsOther, double personBeatsCopy, double personBeatsOther, Map<String, Assigned> judge,
                         Map<String, Double> backgroundL1, Map<String, SceneColour> scenes, double scenesApart,
                         double selfScene, double constantScene) {
        public Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("pairs", pairs);
            m.put("identities", identities);
            m.put("chance", 1.0 / identities);
            m.put("l1", l1);
            m.put("personL1", personL1);
            m.put("generatedBeatsCopy", beatsCopy);
            m.put("generatedBeatsOther", beatsOther);
            m.put("personGeneratedBeatsCopy", personBeatsCopy);
            m.put("personGeneratedBeatsOther", personBeatsOther);
            m.put("judge", judge);
            double[] ci = generatedToIInterval95();
            m.put("generatedToIInterval95", List.of(ci[0], ci[1]));
            m.put("backgroundL1", backgroundL1);
            m.put("sceneColour", scenes);
            m.put("scenesApart", scenesApart);
            m.put("selfSceneColour", selfScene);
            m.put("constantSceneColour", constantScene);
            return m;
        }

        /** The 95% interval (Wilson's) of the judge's rate of G(a_i, s_j) to i over the pairs: {lower, upper}. */
        public double[] generatedToIInterval95() {
            return wilson95(judge.get("generated").toI(), pairs);
        }

        /** A few lines for a log or the console. */
        public String summary() {
            StringBuilder sb = new StringBuilder();
            sb.append(String.format(Locale.ROOT, "%d pairs of %d held-out test identities (judge chance %.3f)%n", pairs, identities,
                    1.0 / identities));
            sb.append(String.format(Locale.ROOT, "L1 to the counterfactual, whole image: G(a_i,s_j) %.4f, copy x_j %.4f, G(a_k,s_j) %.4f;"
                    + " self-reconstruction to x_j %.4f%n", l1.get("generated"), l1.get("copy"), l1.get("other"), l1.get("self")));
            sb.append(String.format(Locale.ROOT, "L1 on the person: G(a_i,s_j) %.4f, copy x_j %.4f, G(a_k,s_j) %.4f; self %.4f%n",
                    personL1.get("generated"), personL1.get("copy"), personL1.get("other"), personL1.get("self")));
            sb.append(String.format(Locale.ROOT, "L1 off the person: G(a_i,s_j) %.4f, copy x_j %.4f, G(a_k,s_j) %.4f; self %.4f%n",
                    backgroundL1.get("generated"), backgroundL1.get("copy"), backgroundL1.get("other"), backgroundL1.get("self")));
            sb.append(String.format(Locale.ROOT, "G(a_i,s_j) nearer than the copy in %.3f of the pairs (person %.3f), than G(a_k,s_j)"
                    + " in %.3f (person %.3f)%n", beatsCopy, personBeatsCopy, beatsOther, personBeatsOther));
            sb.append(String.format(Locale.ROOT, "background colours of x_i's and x_j's scenes apart by %.4f; G(a_j,s_j)'s to x_j's %.4f;"
                    + " their mean colour to x_j's %.4f%n", scenesApart, selfScene, constantScene));
            for (Map.Entry<String, SceneColour> e : scenes.entrySet()) {
                sb.append(String.format(Locale.ROOT, "background colour of %-14s to x_j's scene %.4f, to the donor's %.4f;"
                        + " nearer the donor's in %.3f of the pairs%n", e.getKey(), e.getValue().toStructure(), e.getValue().toDonor(),
                        e.getValue().nearerDonor()));
            }
            for (Map.Entry<String, Assigned> e : judge.entrySet()) {
                sb.append(String.format(Locale.ROOT, "judge on %-14s to i %.3f, to j %.3f, to k %.3f%n", e.getKey(), e.getValue().toI(),
                        e.getValue().toJ(), e.getValue().toK()));
            }
            double[] ci = generatedToIInterval95();
            sb.append(String.format(Locale.ROOT, "G(a_i,s_j) to i: %.3f of %d pairs, 95%% interval %.3f-%.3f (Wilson)%n",
                    judge.get("generated").toI(), pairs, ci[0], ci[1]));
            return sb.toString();
        }
    }

    /**
     * The 95% Wilson score interval of a proportion {@code rate} observed over {@code n} independent trials (here the
     * judge's rate over the pairs): {@code (p + z^2/2n -+ z sqrt(p(1-p)/n + z^2/4n^2)) / (1 + z^2/n)}, z = 1.96. Unlike
     * the normal interval it stays within [0, 1] and is not empty at 0 or 1. Returns {lower, upper}.
     */
    static double[] wilson95(double rate, int n) {
        if (n <= 0) throw new IllegalArgumentException("an interval needs at least one trial, got " + n);
        if (!(rate >= 0 && rate <= 1)) throw new IllegalArgumentException("a proportion is in [0, 1], got " + rate);
        double z = 1.959963984540054, z2n = z * z / n;
        double centre = (rate + z2n / 2) / (1 + z2n);
        double half = z * Math.sqrt(rate * (1 - rate) / n + z2n / (4 * n)) / (1 + z2n);
        return new double[]{Math.max(0, centre - half), Math.min(1, centre + half)};
    }

    /** The judge: a re-ID network's test embedding (flip-averaged as its evaluation) at its own input. */
    public record Judge(Embedder embedder, InputConfig input) {
    }

    /** Kinds of image the judge sees, in report order. */
    static final List<String> KINDS = List.of("counterfactual", "structure", "generated", "self", "shuffled");

    /** Kinds of image whose background colour is traced ({@link SceneColour}), in report order. */
    static final List<String> SCENE_KINDS = List.of("counterfactual", "generated", "shuffled");

    /**
     * Runs the checks and, when {@code grid} is not null, draws the grid there.
     *
     * @param generation the DG-Net model's generator
     * @param input      the DG-Net model's input
     * @param manifest   the synthetic dataset's manifest (test identities: query and gallery, pid > 0)
     * @param truth      the dataset's counterfactuals
     * @param pairs      pairs to draw
     * @param batchSize  pairs per batch
     * @param progress   told after each batch (pairs done)
     */
    public static Report evaluate(DgNetGeneration generation, InputConfig input, Judge judge, Manifest manifest, Counterfactuals truth,
                                  Storage storage, int pairs, long seed, int batchSize, Path grid, Consumer<Integer> progress)
            throws IOException {
        List<Sample> test = new ArrayList<>();
        for (Sample s : manifest.query()) if (s.pid() > 0) test.add(s);
        for (Sample s : manifest.gallery()) if (s.pid() > 0) test.add(s);
        Map<Integer, Integer> classOf = new LinkedHashMap<>();
        for (Sample s : test) classOf.putIfAbsent(s.pid(), classOf.size());
        int ids = classOf.size();
        if (ids < 3) throw new IllegalArgumentException("the checks need test images of at least 3 identities; the dataset has " + ids);
        ImageDecoder decoder = input.decoder();
        ImageSource images = ImageSource.decoding(storage, decoder, input.height(), input.width());

        // the judge's class means over every test image (sums of unit embeddings, so one image can be left out)
        float[][] testEmbedding = new float[test.size()][];
        for (int from = 0; from < test.size(); from += batchSize) {
            List<RgbImage> batch = new ArrayList<>();
            for (Sample s : test.subList(from, Math.min(test.size(), from + batchSize))) batch.add(images.image(s.uri()));
            float[][] e = embed(judge, batch);
            System.arraycopy(e, 0, testEmbedding, from, e.length);
        }
        int dim = testEmbedding[0].length;
        double[][] classSum = new double[ids][dim];
        int[] classCount = new int[ids];
        for (int t = 0; t < test.size(); t++) {
            int c = classOf.get(test.get(t).pid());
            classCount[c]++;
            for (int d = 0; d < dim; d++) classSum[c][d] += testEmbedding[t][d];
        }

        // seeded pairs: j any test image, i of another identity, k of a third
        Random rnd = new Random(seed);
        int[][] drawn = new int[pairs][3];
        for (int p = 0; p < pairs; p++) {
            int j = rnd.nextInt(test.size());
            int i;
            do {
                i = rnd.nextInt(test.size());
            } while (test.get(i).pid() == test.get(j).pid());
            int k;
            do {
                k = rnd.nextInt(test.size());
            } while (test.get(k).pid() == test.get(j).pid() || test.get(k).pid() == test.get(i).pid());
            drawn[p] = new int[] {i, j, k};
        }

        double[] l1 = new double[4];
        double[] personL1 = new double[4];
        double[] backgroundL1 = new double[4];
        double[][] scene = new double[SCENE_KINDS.size()][3]; // per kind: to x_j, to the donor, nearer the donor
        double scenesApart = 0;
        double selfScene = 0;
        double[][] structureColours = new double[pairs][];
        int beatsCopy = 0;
        int beatsOther = 0;
        int personBeatsCopy = 0;
        int personBeatsOther = 0;
        int[][] judged = new int[KINDS.size()][3];
        for (int from = 0; from < pairs; from += batchSize) {
            int n = Math.min(batchSize, pairs - from);
            List<RgbImage> xi = new ArrayList<>();
            List<RgbImage> xj = new ArrayList<>();
            List<RgbImage> xk = new ArrayList<>();
            List<RgbImage> cf = new ArrayList<>();
            List<boolean[]> person = new ArrayList<>();
            List<boolean[]> donorScene = new ArrayList<>(); // x_i's own background
            List<boolean[]> otherScene = new ArrayList<>(); // x_k's
            for (int p = from; p < from + n; p++) {
                xi.add(images.image(test.get(drawn[p][0]).uri()));
                xj.add(images.image(test.get(drawn[p][1]).uri()));
                xk.add(images.image(test.get(drawn[p][2]).uri()));
                String ni = fileName(test.get(drawn[p][0]));
                String nj = fileName(test.get(drawn[p][1]));
                Counterfactuals.Render render = truth.render(ni, nj);
                cf.add(atInput(ImageDecoder.toRgb(render.image(), decoder.alpha()), input));
                person.add(union(mask(render.foreground(), input), mask(truth.original(nj).foreground(), input)));
                donorScene.add(not(mask(truth.original(ni).foreground(), input)));
                otherScene.add(not(mask(truth.original(fileName(test.get(drawn[p][2]))).foreground(), input)));
            }
            Generated g = generate(generation, xi, xj, xk);
            for (int q = 0; q < n; q++) {
                double gen = l1(g.cross().get(q), cf.get(q), null);
                double copy = l1(xj.get(q), cf.get(q), null);
                double other = l1(g.shuffled().get(q), cf.get(q), null);
                double pGen = l1(g.cross().get(q), cf.get(q), person.get(q));
                double pCopy = l1(xj.get(q), cf.get(q), person.get(q));
                double pOther = l1(g.shuffled().get(q), cf.get(q), person.get(q));
                l1[0] += gen;
                l1[1] += copy;
                l1[2] += other;
                l1[3] += l1(g.self().get(q), xj.get(q), null);
                personL1[0] += pGen;
                personL1[1] += pCopy;
                personL1[2] += pOther;
                personL1[3] += l1(g.self().get(q), xj.get(q), person.get(q));
                boolean[] background = not(person.get(q));
                backgroundL1[0] += l1(g.cross().get(q), cf.get(q), background);
                backgroundL1[1] += l1(xj.get(q), cf.get(q), background);
                backgroundL1[2] += l1(g.shuffled().get(q), cf.get(q), background);
                backgroundL1[3] += l1(g.self().get(q), xj.get(q), background);
                double[] structureColour = meanColour(xj.get(q), background);
                double[] donorColour = meanColour(xi.get(q), donorScene.get(q));
                structureColours[from + q] = structureColour;
                scenesApart += colourDistance(donorColour, structureColour);
                selfScene += colourDistance(meanColour(g.self().get(q), background), structureColour);
                RgbImage[] kindImages = {cf.get(q), g.cross().get(q), g.shuffled().get(q)};
                double[][] donors = {donorColour, donorColour, meanColour(xk.get(q), otherScene.get(q))};
                for (int kind = 0; kind < kindImages.length; kind++) {
                    double[] colour = meanColour(kindImages[kind], background);
                    double toJ = colourDistance(colour, structureColour);
                    double toDonor = colourDistance(colour, donors[kind]);
                    scene[kind][0] += toJ;
                    scene[kind][1] += toDonor;
                    scene[kind][2] += toDonor < toJ ? 1 : 0;
                }
                beatsCopy += gen < copy ? 1 : 0;
                beatsOther += gen < other ? 1 : 0;
                personBeatsCopy += pGen < pCopy ? 1 : 0;
                personBeatsOther += pOther > pGen ? 1 : 0;
            }
            List<List<RgbImage>> kinds = List.of(cf, xj, g.cross(), g.self(), g.shuffled());
            for (int kind = 0; kind < kinds.size(); kind++) {
                // the structure images are test images: their embeddings are already at hand
                float[][] e = KINDS.get(kind).equals("structure") ? structureEmbeddings(testEmbedding, drawn, from, n) : embed(judge, kinds.get(kind));
                for (int q = 0; q < n; q++) {
                    int[] t = drawn[from + q];
                    int c = nearestClass(e[q], classSum, classCount, testEmbedding, test, classOf, t);
                    for (int r = 0; r < 3; r++) judged[kind][r] += c == classOf.get(test.get(t[r]).pid()) ? 1 : 0;
                }
            }
            if (progress != null) progress.accept(from + n);
        }
        Map<String, Double> l1m = new LinkedHashMap<>();
        Map<String, Double> pl1m = new LinkedHashMap<>();
        Map<String, Double> bl1m = new LinkedHashMap<>();
        String[] names = {"generated", "copy", "other", "self"};
        for (int a = 0; a < names.length; a++) {
            l1m.put(names[a], l1[a] / pairs);
            pl1m.put(names[a], personL1[a] / pairs);
            bl1m.put(names[a], backgroundL1[a] / pairs);
        }
        double[] meanScene = new double[3];
        for (double[] c : structureColours) for (int ch = 0; ch < 3; ch++) meanScene[ch] += c[ch] / pairs;
        double constantScene = 0;
        for (double[] c : structureColours) constantScene += colourDistance(c, meanScene) / pairs;
        Map<String, SceneColour> scenes = new LinkedHashMap<>();
        for (int kind = 0; kind < SCENE_KINDS.size(); kind++) {
            scenes.put(SCENE_KINDS.get(kind), new SceneColour(scene[kind][0] / pairs, scene[kind][1] / pairs, scene[kind][2] / pairs));
        }
        Map<String, Assigned> judge2 = new LinkedHashMap<>();
        for (int kind = 0; kind < KINDS.size(); kind++) {
            judge2.put(KINDS.get(kind), new Assigned(judged[kind][0] / (double) pairs, judged[kind][1] / (double) pairs,
                    judged[kind][2] / (double) pairs));
        }
        Report report = new Report(pairs, ids, l1m, pl1m, beatsCopy / (double) pairs, beatsOther / (double) pairs,
                personBeatsCopy / (double) pairs, personBeatsOther / (double) pairs, judge2, bl1m, scenes, scenesApart / pairs, selfScene / pairs,
                constantScene);
        if (grid != null) drawGrid(generation, input, test, truth, images, decoder, seed, storage, grid);
        return report;
    }

    /** G(a_i, s_j), G(a_j, s_j) and G(a_k, s_j) of a batch of triples, as 8-bit RGB. */
    record Generated(List<RgbImage> cross, List<RgbImage> self, List<RgbImage> shuffled) {
    }

    static Generated generate(DgNetGeneration generation, List<RgbImage> xi, List<RgbImage> xj, List<RgbImage> xk) {
        INDArray structure = generation.batch(xj);
        INDArray s = generation.structure(structure);
        return new Generated(cross(generation, s, xi), generation.images(generation.decode(s, generation.appearance(structure))),
                cross(generation, s, xk));
    }

    /** {@code G(a, s)} as 8-bit RGB: the appearance of each of {@code donors} on the structure codes {@code s}. */
    private static List<RgbImage> cross(DgNetGeneration generation, INDArray s, List<RgbImage> donors) {
        return generation.images(generation.decode(s, generation.appearance(generation.batch(donors))));
    }

    /** The test embeddings of the structure images x_j of pairs {@code [from, from + n)}. */
    private static float[][] structureEmbeddings(float[][] testEmbedding, int[][] drawn, int from, int n) {
        float[][] out = new float[n][];
        for (int q = 0; q < n; q++) out[q] = testEmbedding[drawn[from + q][1]];
        return out;
    }

    /** The judge's unit embeddings of 8-bit images. */
    private static float[][] embed(Judge judge, List<RgbImage> batch) {
        List<RgbImage> sized = new ArrayList<>(batch.size());
        for (RgbImage img : batch) sized.add(atInput(img, judge.input()));
        INDArray e = ReidNetwork.l2Normalize(judge.embedder().embedBatch(Normalizer.of(judge.input()).batch(sized))
                .get(TestFeatures.EMBEDDING));
        float[][] out = new float[batch.size()][];
        for (int i = 0; i < out.length; i++) out[i] = e.getRow(i).toFloatVector();
        return out;
    }

    /**
     * The class whose mean embedding (without the test images {@code leftOut}) is nearest to {@code e} by cosine; a
     * class left without images is skipped.
     */
    static int nearestClass(float[] e, double[][] classSum, int[] classCount, float[][] testEmbedding, List<Sample> test,
                            Map<Integer, Integer> classOf, int[] leftOut) {
        int best = -1;
        double bestCos = Double.NEGATIVE_INFINITY;
        for (int c = 0; c < classSum.length; c++) {
            double[] mean = classSum[c].clone();
            int count = classCount[c];
            for (int t : distinct(leftOut)) {
                if (classOf.get(test.get(t).pid()) != c) continue;
                for (int d = 0; d < mean.length; d++) mean[d] -= testEmbedding[t][d];
                count--;
            }
            if (count == 0) continue;
            double dot = 0;
            double norm = 0;
            for (int d = 0; d < mean.length; d++) {
                dot += mean[d] * e[d];
                norm += mean[d] * mean[d];
            }
            double cos = norm > 0 ? dot / Math.sqrt(norm) : Double.NEGATIVE_INFINITY;
            if (cos > bestCos) {
                bestCos = cos;
                best = c;
            }
        }
        return best;
    }

    private static int[] distinct(int[] a) {
        return java.util.Arrays.stream(a).distinct().toArray();
    }

    /**
     * Mean absolute difference of two 8-bit images of one size, as intensities in 0..1, over the pixels where
     * {@code where} is true (every pixel when null) and the 3 channels.
     */
    static double l1(RgbImage a, RgbImage b, boolean[] where) {
        if (a.height() != b.height() || a.width() != b.width()) throw new IllegalArgumentException("images of different sizes: " + a + ", " + b);
        byte[] x = a.rgb();
        byte[] y = b.rgb();
        long sum = 0;
        long count = 0;
        for (int p = 0; p < a.height() * a.width(); p++) {
            if (where != null && !where[p]) continue;
            for (int c = 0; c < 3; c++) sum += Math.abs((x[3 * p + c] & 0xFF) - (y[3 * p + c] & 0xFF));
            count += 3;
        }
        return count == 0 ? 0 : sum / (255.0 * count);
    }

    /** The mean colour (3 channels, intensities 0..1) of an 8-bit image over the pixels where {@code where} is true; zeros when none is. */
    static double[] meanColour(RgbImage img, boolean[] where) {
        byte[] x = img.rgb();
        double[] sum = new double[3];
        long count = 0;
        for (int p = 0; p < img.height() * img.width(); p++) {
            if (!where[p]) continue;
            for (int c = 0; c < 3; c++) sum[c] += x[3 * p + c] & 0xFF;
            count++;
        }
        for (int c = 0; c < 3; c++) sum[c] = count == 0 ? 0 : sum[c] / (255.0 * count);
        return sum;
    }

    /** The mean absolute difference of two colours' three channels. */
    static double colourDistance(double[] a, double[] b) {
        return (Math.abs(a[0] - b[0]) + Math.abs(a[1] - b[1]) + Math.abs(a[2] - b[2])) / 3;
    }

    private static boolean[] not(boolean[] a) {
        boolean[] out = new boolean[a.length];
        for (int p = 0; p < a.length; p++) out[p] = !a[p];
        return out;
    }

    private static RgbImage atInput(RgbImage img, InputConfig input) {
        return img.height() == input.height() && img.width() == input.width() ? img : Resize.bilinear(img, input.height(), input.width());
    }

    /** A mask (255 on the person) at the input size, true where the person is. */
    private static boolean[] mask(BufferedImage m, InputConfig input) {
        RgbImage r = atInput(ImageDecoder.toRgb(m, org.reidspark.data.image.Alpha.DROP), input);
        boolean[] out = new boolean[r.height() * r.width()];
        for (int p = 0; p < out.length; p++) out[p] = (r.rgb()[3 * p] & 0xFF) >= 128;
        return out;
    }

    private static boolean[] union(boolean[] a, boolean[] b) {
        boolean[] out = new boolean[a.length];
        for (int p = 0; p < a.length; p++) out[p] = a[p] || b[p];
        return out;
    }

    private static String fileName(Sample s) {
        String path = Storage.path(s.uri()).toUri().getPath();
        return path.substring(path.lastIndexOf('/') + 1);
    }

    /** Rows of appearance donors and columns of structure providers (test identities, all different). */
    static final int GRID_ROWS = 5;
    static final int GRID_COLUMNS = 6;

    /**
     * The grid: on the left, the structure images along the top, the appearance donors down the side and
     * {@code G(a_row, s_column)} in the cells; on the right, the same cells' counterfactual truth.
     */
    private static void drawGrid(DgNetGeneration generation, InputConfig input, List<Sample> test, Counterfactuals truth,
                                 ImageSource images, ImageDecoder decoder, long seed, Storage storage, Path file) throws IOException {
        // one image of each of GRID_ROWS + GRID_COLUMNS identities, seeded
        List<Sample> pool = new ArrayList<>(test);
        java.util.Collections.shuffle(pool, new Random(seed + 1));
        List<Sample> chosen = new ArrayList<>();
        java.util.Set<Integer> seen = new java.util.HashSet<>();
        for (Sample s : pool) {
            if (chosen.size() == GRID_ROWS + GRID_COLUMNS) break;
            if (seen.add(s.pid())) chosen.add(s);
        }
        int rows = Math.min(GRID_ROWS, chosen.size() / 2);
        List<Sample> donors = chosen.subList(0, rows);
        List<Sample> structures = chosen.subList(rows, chosen.size());
        int cols = structures.size();
        List<RgbImage> xi = new ArrayList<>();
        List<RgbImage> xj = new ArrayList<>();
        for (Sample d : donors) {
            for (Sample s : structures) {
                xi.add(images.image(d.uri()));
                xj.add(images.image(s.uri()));
            }
        }
        List<RgbImage> cells = cross(generation, generation.structure(generation.batch(xj)), xi);
        int h = input.height();
        int w = input.width();
        int gap = 4;
        int label = 18;
        int panelW = (cols + 1) * (w + gap);
        int panelH = (rows + 1) * (h + gap);
        BufferedImage sheet = new BufferedImage(2 * panelW + 3 * gap, panelH + label + gap, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = sheet.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, sheet.getWidth(), sheet.getHeight());
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        g.drawString("G(a_row, s_column)", gap + w + gap, label - 5);
        g.drawString("counterfactual truth", panelW + 2 * gap + w + gap, label - 5);
        for (int panel = 0; panel < 2; panel++) {
            int x0 = gap + panel * (panelW + gap);
            int y0 = label;
            for (int c = 0; c < cols; c++) {
                g.drawImage(images.image(structures.get(c).uri()).toBufferedImage(), x0 + (c + 1) * (w + gap), y0, null);
            }
            for (int r = 0; r < rows; r++) {
                g.drawImage(images.image(donors.get(r).uri()).toBufferedImage(), x0, y0 + (r + 1) * (h + gap), null);
                for (int c = 0; c < cols; c++) {
                    RgbImage cell = panel == 0 ? cells.get(r * cols + c)
                            : atInput(ImageDecoder.toRgb(truth.render(fileName(donors.get(r)), fileName(structures.get(c))).image(),
                            decoder.alpha()), input);
                    g.drawImage(cell.toBufferedImage(), x0 + (c + 1) * (w + gap), y0 + (r + 1) * (h + gap), null);
                }
            }
        }
        g.dispose();
        try (OutputStream out = storage.fs(file).create(file, true)) {
            ImageIO.write(sheet, "png", out);
        }
    }
}
