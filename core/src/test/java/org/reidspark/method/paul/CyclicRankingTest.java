package org.reidspark.method.paul;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.reidspark.testing.NumericalGradient;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Cyclic ranking on hand-built point sets whose negatives are worked out by hand, against a slow transcription of
 * the official {@code Ipfl.forward} walk, and on well-separated clusters against the plain nearest-neighbour negative.
 */
@ExtendWith(NumericalGradient.DoublePrecision.class)
class CyclicRankingTest {
    /** One-dimensional centers of six images: pairs {0, 1}, {10, 11}, {30, 31.5}. */
    private static final double[] LINE = {0, 1, 10, 11, 30, 31.5};

    private static INDArray column(double[] x) {
        return Nd4j.createFromArray(x).reshape(x.length, 1);
    }

    /** Two views per image at its center -0.1 and +0.1, rows grouped by image. */
    private static INDArray twoViews(double[] centers) {
        double[] v = new double[centers.length * 2];
        for (int j = 0; j < centers.length; j++) {
            v[2 * j] = centers[j] - 0.1;
            v[2 * j + 1] = centers[j] + 0.1;
        }
        return column(v);
    }

    private static int[] perImage(int... negatives) {
        int[] out = new int[negatives.length * 2];
        for (int j = 0; j < negatives.length; j++) out[2 * j] = out[2 * j + 1] = negatives[j];
        return out;
    }

    @Test
    void handBuiltLineGivesTheNegativesWorkedOutByHand() {
        // top-3 lists (itself included): 0:{0,1,2} 1:{1,0,2} 2:{2,3,1} 3:{3,2,1} 4:{4,5,3} 5:{5,4,3}
        // image 0 walks 1 (holds 0), 2 (does not): 2; image 1 walks 0, 2, 3 (all hold 1), 4: 4;
        // image 2 walks 3, 1, 0 (all hold 2), 4: 4; image 3 walks 2 (holds 3), 1: 1; images 4 and 5 walk past each other to 3
        int[] got = CyclicRanking.official().inBatch(twoViews(LINE), column(LINE), 2);
        assertArrayEquals(perImage(2, 4, 4, 1, 3, 3), got);
    }

    @Test
    void anAnchorWithoutAQualifyingCandidateWithinTheWalkGetsNone() {
        // three candidates only: images 1 and 2 test 0, 2, 3 and 3, 1, 0, all of which hold them
        int[] got = new CyclicRanking(3, 3).inBatch(twoViews(LINE), column(LINE), 2);
        assertArrayEquals(perImage(2, CyclicRanking.NONE, CyclicRanking.NONE, 1, 3, 3), got);
        // three images: every top-3 list is the whole batch
        double[] three = {0, 5, 9};
        int[] none = CyclicRanking.official().inBatch(twoViews(three), column(three), 2);
        for (int n : none) assertEquals(CyclicRanking.NONE, n);
    }

    @Test
    void aTopListOfTheCandidateAloneIsThePlainNearestNeighbour() {
        assertArrayEquals(perImage(1, 0, 3, 2, 5, 4), new CyclicRanking(15, 1).inBatch(twoViews(LINE), column(LINE), 2));
    }

    /** {@code Ipfl.forward}'s mining loop, transcribed: diff from the view to every center, cycle over the sorted others. */
    private static int[] slowOfficial(double[][] feature, double[][] centers, int num, int maxIter, int nearest) {
        int b = centers.length;
        int[] out = new int[feature.length];
        for (int i = 0; i < feature.length; i++) {
            int label = i / num;
            List<double[]> others = new ArrayList<>(); // {distance, center label}
            for (int q = 0; q < b; q++) if (q != label) others.add(new double[] {dist(feature[i], centers[q]), q});
            others.sort((x, y) -> x[0] != y[0] ? Double.compare(x[0], y[0]) : Double.compare(x[1], y[1]));
            out[i] = -1;
            for (int j = 0; j < Math.min(maxIter, others.size()); j++) {
                int s = (int) others.get(j)[1];
                List<double[]> sout = new ArrayList<>();
                for (int q = 0; q < b; q++) sout.add(new double[] {dist(centers[s], centers[q]), q});
                sout.sort((x, y) -> x[0] != y[0] ? Double.compare(x[0], y[0]) : Double.compare(x[1], y[1]));
                boolean in = false;
                for (int t = 0; t < Math.min(nearest, b); t++) in |= (int) sout.get(t)[1] == label;
                if (!in) {
                    out[i] = s;
                    break;
                }
            }
        }
        return out;
    }

    private static double dist(double[] a, double[] b) {
        double s = 0;
        for (int k = 0; k < a.length; k++) s += (a[k] - b[k]) * (a[k] - b[k]);
        return Math.sqrt(s);
    }

    @Test
    void randomBatchesMatchTheOfficialLoop() {
        Random r = new Random(21);
        for (int trial = 0; trial < 5; trial++) {
            int b = 12;
            int num = 2;
            double[][] v = new double[b * num][6];
            for (double[] row : v) for (int k = 0; k < row.length; k++) row[k] = r.nextGaussian();
            INDArray views = Nd4j.createFromArray(v);
            INDArray centers = views.reshape(b, num, 6).mean(1);
            for (int[] setting : new int[][] {{15, 3}, {4, 3}, {15, 5}}) {
                int[] expected = slowOfficial(v, centers.toDoubleMatrix(), num, setting[0], setting[1]);
                assertArrayEquals(expected, new CyclicRanking(setting[0], setting[1]).inBatch(views, centers, num),
                        "trial " + trial + ", setting " + Arrays.toString(setting));
            }
        }
    }

    /** Images of well-separated clusters: cluster centers 10 apart on average, images within 0.3, views within 0.05. */
    private record Clustered(INDArray views, INDArray centers, int[] cluster) {
    }

    private static Clustered clusters(Random r, int[] imagesPerCluster, int num, int dim) {
        List<double[]> centers = new ArrayList<>();
        List<Integer> cluster = new ArrayList<>();
        for (int c = 0; c < imagesPerCluster.length; c++) {
            double[] mu = new double[dim];
            for (int k = 0; k < dim; k++) mu[k] = r.nextGaussian() * 10;
            for (int i = 0; i < imagesPerCluster[c]; i++) {
                double[] x = new double[dim];
                for (int k = 0; k < dim; k++) x[k] = mu[k] + r.nextGaussian() * 0.3;
                centers.add(x);
                cluster.add(c);
            }
        }
        double[][] v = new double[centers.size() * num][dim];
        for (int j = 0; j < centers.size(); j++) {
            for (int t = 0; t < num; t++) for (int k = 0; k < dim; k++) v[j * num + t][k] = centers.get(j)[k] + r.nextGaussian() * 0.05;
        }
        return new Clustered(Nd4j.createFromArray(v), Nd4j.createFromArray(centers.toArray(new double[0][])),
                cluster.stream().mapToInt(Integer::intValue).toArray());
    }

    @Test
    void onWellSeparatedClustersTheMinedNegativeIsFromAnotherClusterUnlikeThePlainNearestNeighbour() {
        Random r = new Random(22);
        int otherCyclic = 0;
        int otherPlain = 0;
        int sameCyclic = 0;
        int anchors = 0;
        for (int trial = 0; trial < 10; trial++) {
            int[] sizes = new int[8];
            for (int c = 0; c < sizes.length; c++) sizes[c] = 2 + r.nextInt(2); // 2 or 3 images of a person in the batch
            Clustered data = clusters(r, sizes, 2, 8);
            int[] cyclic = CyclicRanking.official().inBatch(data.views(), data.centers(), 2);
            int[] plain = new CyclicRanking(1, 1).inBatch(data.views(), data.centers(), 2);
            for (int i = 0; i < cyclic.length; i++) {
                int own = data.cluster()[i / 2];
                anchors++;
                if (cyclic[i] >= 0 && data.cluster()[cyclic[i]] != own) otherCyclic++;
                if (cyclic[i] >= 0 && data.cluster()[cyclic[i]] == own) sameCyclic++;
                if (data.cluster()[plain[i]] != own) otherPlain++;
            }
        }
        // a same-person candidate always holds the anchor in its top 3 when a person has at most 3 images
        assertEquals(0, sameCyclic, "cyclic ranking returned a same-cluster negative");
        assertTrue(otherCyclic >= 0.9 * anchors, "cyclic: " + otherCyclic + " of " + anchors + " from another cluster");
        assertTrue(otherPlain <= 0.1 * anchors, "plain nearest neighbour: " + otherPlain + " of " + anchors + " from another cluster");
    }

    @Test
    void globalMiningOnTheBatchesNeighbourListsIsTheInBatchMiningWithOneViewPerImage() {
        Random r = new Random(23);
        double[][] x = new double[15][5];
        for (double[] row : x) for (int k = 0; k < row.length; k++) row[k] = r.nextGaussian();
        INDArray e = Nd4j.createFromArray(x);
        for (CyclicRanking cr : new CyclicRanking[] {CyclicRanking.official(), new CyclicRanking(5, 4), new CyclicRanking(15, 1)}) {
            int[] global = cr.global(CyclicRanking.neighbourLists(e, 14));
            assertArrayEquals(cr.inBatch(e, e, 1), global);
        }
        // lists that start with the image itself, and lists just long enough for the test
        int[][] lists = CyclicRanking.neighbourLists(e, 14);
        int[][] withSelf = new int[15][];
        int[][] shortLists = new int[15][];
        for (int i = 0; i < 15; i++) {
            withSelf[i] = new int[15];
            withSelf[i][0] = i;
            System.arraycopy(lists[i], 0, withSelf[i], 1, 14);
            shortLists[i] = Arrays.copyOf(lists[i], 6);
        }
        CyclicRanking official = CyclicRanking.official();
        assertArrayEquals(official.global(lists), official.global(withSelf));
        // walking 6 candidates: the same negatives wherever one was found among the first 6
        int[] walk6 = new CyclicRanking(6, 3).global(lists);
        assertArrayEquals(walk6, official.global(shortLists));
    }

    @Test
    void globalHandBuiltLists() {
        // 0's list: 1, 2, 3. 1's list starts with 0 (rejected); 2's list is 3, 1 (accepted at nearest 3)
        int[][] lists = {{1, 2, 3}, {0, 2, 3}, {3, 1, 0}, {2, 0, 1}};
        int[] got = new CyclicRanking(15, 3).global(lists);
        assertEquals(2, got[0]);
        // 1 walks 0 (0's top 2: 1, 2: holds 1), 2 (top 2: 3, 1: holds 1), 3 (top 2: 2, 0): 3
        assertEquals(3, got[1]);
        // 2 walks 3 (3's top 2: 2, 0: holds 2), 1 (1's top 2: 0, 2: holds 2), 0 (0's top 2: 1, 2: holds 2): none
        assertEquals(CyclicRanking.NONE, got[2]);
        // 3 walks 2 (2's top 2: 3, 1), 0 (0's top 2: 1, 2: no 3): 0
        assertEquals(0, got[3]);
        // a top-2 test (candidate + 1) accepts 2's second candidate 1 (1's first is 0)
        assertEquals(1, new CyclicRanking(15, 2).global(lists)[2]);
    }

    @Test
    void globalMiningWithATopListAsLongAsAPersonsImagesAvoidsSamePersonNegatives() {
        Random r = new Random(24);
        int[] sizes = new int[20];
        Arrays.fill(sizes, 5);
        Clustered data = clusters(r, sizes, 1, 8);
        int[][] lists = CyclicRanking.neighbourLists(data.centers(), 30);
        int[] cyclic = new CyclicRanking(15, 5).global(lists); // the candidate + its 4 nearest: a person's other images
        int other = 0;
        int otherPlain = 0;
        for (int i = 0; i < cyclic.length; i++) {
            assertNotEquals(CyclicRanking.NONE, cyclic[i], "image " + i);
            assertNotEquals(data.cluster()[i], data.cluster()[cyclic[i]], "image " + i + " got a same-cluster negative");
            other++;
            if (data.cluster()[lists[i][0]] != data.cluster()[i]) otherPlain++;
        }
        assertEquals(100, other);
        assertEquals(0, otherPlain, "the plain nearest neighbour of a well-separated cluster is from the same cluster");
    }

    @Test
    void aGlobalTopThreeTestIsWeakWhenAPersonHasManyImages() {
        // METHODS.md's caveat: with 20 images per person, some same-person candidate lacks the anchor in its top 3
        Random r = new Random(25);
        int[] sizes = new int[10];
        Arrays.fill(sizes, 20);
        Clustered data = clusters(r, sizes, 1, 8);
        int[] cyclic = CyclicRanking.official().global(CyclicRanking.neighbourLists(data.centers(), 20));
        int same = 0;
        for (int i = 0; i < cyclic.length; i++) if (cyclic[i] >= 0 && data.cluster()[cyclic[i]] == data.cluster()[i]) same++;
        assertTrue(same >= 0.9 * cyclic.length, same + " of " + cyclic.length + " same-cluster negatives");
    }

    @Test
    void wrongInputsFailWithWhatWasExpected() {
        CyclicRanking cr = CyclicRanking.official();
        IllegalArgumentException shape = assertThrows(IllegalArgumentException.class,
                () -> cr.inBatch(Nd4j.zeros(DataType.DOUBLE, 5, 3), Nd4j.zeros(DataType.DOUBLE, 3, 3), 2));
        assertTrue(shape.getMessage().contains("[6, 3]") && shape.getMessage().contains("[5, 3]"), shape.getMessage());
        IllegalArgumentException range = assertThrows(IllegalArgumentException.class, () -> cr.global(new int[][] {{1, 2}, {0, 2}, {0, 3}}));
        assertTrue(range.getMessage().contains("neighbour 3 of image 2"), range.getMessage());
        IllegalArgumentException shortList = assertThrows(IllegalArgumentException.class, () -> cr.global(new int[][] {{1, 2}, {0}, {0, 1}}));
        assertTrue(shortList.getMessage().contains("image 1"), shortList.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new CyclicRanking(0, 3));
    }
}
