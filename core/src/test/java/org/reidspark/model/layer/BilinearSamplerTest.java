package org.reidspark.model.layer;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.graph.SubsetVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.config.NoOp;
import org.reidspark.model.ExternalBackprop;
import org.reidspark.model.NetworkOptions;
import org.reidspark.model.backbone.ResNet;
import org.reidspark.testing.NumericalGradient;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * PAUL's patch sampler ({@link BilinearSampler}, PyTorch's {@code affine_grid} + {@code grid_sample}) and the stripe
 * thetas ({@link PatchStripes}): forward and backward against PyTorch's own values (1.13.1, both align_corners), forward
 * against a slow direct transcription of PyTorch's CPU bilinear kernel and against values worked out by hand; gradients to the map and to theta against central differences in double
 * precision (also through a regression layer, as in PAUL's patch generation network); the identity and the stripes;
 * a save and restore; clear errors.
 */
@ExtendWith(NumericalGradient.DoublePrecision.class)
class BilinearSamplerTest {
    private static final int B = 3;
    private static final int C = 2;
    private static final int H = 6;
    private static final int W = 4;

    private static ComputationGraphConfiguration.GraphBuilder builder(DataType type) {
        return ResNet.baseBuilder(new NetworkOptions(7, type, new NoOp(), 0));
    }

    /** map [B, C, mapH, mapW] and theta [B, 6] -> sampler(h, w). */
    private static ComputationGraph sampler(int mapH, int mapW, int h, int w, boolean alignCorners, DataType type) {
        ComputationGraphConfiguration.GraphBuilder g = builder(type).addInputs("map", "theta")
                .setInputTypes(InputType.convolutional(mapH, mapW, C), InputType.feedForward(6));
        g.addVertex("sampler", new BilinearSampler(h, w, alignCorners), "map", "theta");
        g.setOutputs("sampler");
        ComputationGraph graph = new ComputationGraph(g.build());
        graph.init();
        return graph;
    }

    private static ComputationGraph sampler(int h, int w, boolean alignCorners) {
        return sampler(H, W, h, w, alignCorners, DataType.DOUBLE);
    }

    private static INDArray thetas(double[]... rows) {
        return Nd4j.create(rows);
    }

    /** Rotation by {@code angle}, scales {@code sx, sy}, shift {@code tx, ty}: {@code [[sx cos, -sy sin, tx], [sx sin, sy cos, ty]]}. */
    private static double[] rotated(double angle, double sx, double sy, double tx, double ty) {
        return new double[] {sx * Math.cos(angle), -sy * Math.sin(angle), tx, sx * Math.sin(angle), sy * Math.cos(angle), ty};
    }

    private static final double[] IDENTITY = {1, 0, 0, 0, 1, 0};

    // ---- a slow, direct transcription of PyTorch (ATen AffineGridGenerator.cpp, GridSampler.cpp/.h, CPU, 2-D) ----

    /** linspace_from_neg_one(num_steps, align_corners). */
    private static double linspaceFromNegOne(int n, int k, boolean alignCorners) {
        if (n <= 1) return 0;
        double v = -1 + 2.0 * k / (n - 1);
        return alignCorners ? v : v * (n - 1) / n;
    }

    /** grid_sampler_unnormalize(coord, size, align_corners). */
    private static double unnormalize(double coord, int size, boolean alignCorners) {
        return alignCorners ? ((coord + 1) / 2) * (size - 1) : ((coord + 1) * size - 1) / 2;
    }

    /** The (ix, iy) that grid_sample reads for output position (i, j) under theta. */
    private static double[] sourcePixel(double[] t, int i, int j, int h, int w, int mapH, int mapW, boolean alignCorners) {
        double bx = linspaceFromNegOne(w, j, alignCorners);
        double by = linspaceFromNegOne(h, i, alignCorners);
        double gx = bx * t[0] + by * t[1] + t[2];
        double gy = bx * t[3] + by * t[4] + t[5];
        return new double[] {unnormalize(gx, mapW, alignCorners), unnormalize(gy, mapH, alignCorners)};
    }

    /** grid_sampler_2d, bilinear, padding zeros: output [b, c, i, j]. */
    private static double reference(INDArray x, double[] t, int b, int c, int i, int j, int h, int w, boolean alignCorners) {
        int mapH = (int) x.size(2);
        int mapW = (int) x.size(3);
        double[] src = sourcePixel(t, i, j, h, w, mapH, mapW, alignCorners);
        double ix = src[0];
        double iy = src[1];
        long ixNw = (long) Math.floor(ix);
        long iyNw = (long) Math.floor(iy);
        long ixNe = ixNw + 1, iyNe = iyNw;
        long ixSw = ixNw, iySw = iyNw + 1;
        long ixSe = ixNw + 1, iySe = iyNw + 1;
        double nw = (ixSe - ix) * (iySe - iy);
        double ne = (ix - ixSw) * (iySw - iy);
        double sw = (ixNe - ix) * (iy - iyNe);
        double se = (ix - ixNw) * (iy - iyNw);
        double out = 0;
        if (inBounds(iyNw, ixNw, mapH, mapW)) out += x.getDouble(b, c, iyNw, ixNw) * nw;
        if (inBounds(iyNe, ixNe, mapH, mapW)) out += x.getDouble(b, c, iyNe, ixNe) * ne;
        if (inBounds(iySw, ixSw, mapH, mapW)) out += x.getDouble(b, c, iySw, ixSw) * sw;
        if (inBounds(iySe, ixSe, mapH, mapW)) out += x.getDouble(b, c, iySe, ixSe) * se;
        return out;
    }

    private static boolean inBounds(long y, long x, int mapH, int mapW) {
        return x >= 0 && x < mapW && y >= 0 && y < mapH;
    }

    private static void assertMatchesReference(INDArray x, INDArray theta, INDArray y, int h, int w, boolean alignCorners) {
        assertArrayEquals(new long[] {x.size(0), x.size(1), h, w}, y.shape());
        for (int b = 0; b < x.size(0); b++) {
            double[] t = theta.getRow(b).toDoubleVector();
            for (int c = 0; c < x.size(1); c++) {
                for (int i = 0; i < h; i++) {
                    for (int j = 0; j < w; j++) {
                        assertEquals(reference(x, t, b, c, i, j, h, w, alignCorners), y.getDouble(b, c, i, j), 1e-12,
                                "alignCorners " + alignCorners + ", sample " + b + ", [" + c + ", " + i + ", " + j + "]");
                    }
                }
            }
        }
    }

    /** How close any sampled coordinate comes to an integer (where bilinear sampling has a kink). */
    private static double distanceToKinks(INDArray theta, int h, int w, boolean alignCorners) {
        double min = Double.POSITIVE_INFINITY;
        for (int b = 0; b < theta.size(0); b++) {
            double[] t = theta.getRow(b).toDoubleVector();
            for (int i = 0; i < h; i++) {
                for (int j = 0; j < w; j++) {
                    for (double c : sourcePixel(t, i, j, h, w, H, W, alignCorners)) min = Math.min(min, Math.abs(c - Math.rint(c)));
                }
            }
        }
        return min;
    }

    // ---- forward ----

    @Test
    void forwardMatchesPyTorchsKernelTranscribed() {
        Nd4j.getRandom().setSeed(1);
        INDArray x = Nd4j.randn(DataType.DOUBLE, B, C, H, W);
        INDArray theta = thetas(
                rotated(0.4, 0.8, 0.6, 0.15, -0.2),                   // rotated and scaled, inside
                rotated(-0.3, 1.4, 1.2, 0.3, 0.25),                   // larger than the map: zero padding
                PatchStripes.theta(4, 6));                            // a stripe
        int[][] sizes = {{H, W}, {5, 3}, {8, 7}, {1, 3}, {4, 1}};
        for (boolean alignCorners : new boolean[] {true, false}) {
            for (int[] s : sizes) {
                INDArray y = sampler(s[0], s[1], alignCorners).output(false, x, theta)[0];
                assertMatchesReference(x, theta, y, s[0], s[1], alignCorners);
            }
        }
    }

    @Test
    void forwardMatchesValuesWorkedOutByHand() {
        // one row 0, 10, 20, 30 (H = 1 is awkward for align_corners=True, so two equal rows)
        INDArray x = Nd4j.create(new double[] {0, 10, 20, 30, 0, 10, 20, 30}, new long[] {1, 1, 2, 4}, DataType.DOUBLE);
        INDArray shift = thetas(new double[] {1, 0, 0.5, 0, 1, 0});
        // alignCorners: px = (gx + 1) * 3 / 2 = j + 0.75; the last one reads 30 * 0.25 + (outside) 0 * 0.75
        double[] aligned = sampleRow(x, shift, 2, 4, true);
        assertArrayEquals(new double[] {7.5, 17.5, 27.5, 7.5}, aligned, 1e-12);
        // not aligned: px = ((gx + 1) * 4 - 1) / 2 = j + 1; the last one lies wholly outside
        assertArrayEquals(new double[] {10, 20, 30, 0}, sampleRow(x, shift, 2, 4, false), 1e-12);
        // identity onto 2 columns: the corner pixels' centres (aligned) or the centres of two halves (not aligned)
        INDArray identity = thetas(IDENTITY);
        assertArrayEquals(new double[] {0, 30}, sampleRow(x, identity, 2, 2, true), 1e-12);
        assertArrayEquals(new double[] {5, 25}, sampleRow(x, identity, 2, 2, false), 1e-12);
        // half the scale about the centre: (0.75, 1.25, 1.75, 2.25) both ways at the same size
        INDArray half = thetas(new double[] {0.5, 0, 0, 0, 1, 0});
        assertArrayEquals(new double[] {7.5, 12.5, 17.5, 22.5}, sampleRow(x, half, 2, 4, true), 1e-12);
        assertArrayEquals(new double[] {7.5, 12.5, 17.5, 22.5}, sampleRow(x, half, 2, 4, false), 1e-12);
    }

    private static double[] sampleRow(INDArray x, INDArray theta, int h, int w, boolean alignCorners) {
        INDArray y = sampler((int) x.size(2), (int) x.size(3), h, w, alignCorners, DataType.DOUBLE).output(false, x, theta)[0];
        assertEquals(y.slice(0).slice(0).getRow(0), y.slice(0).slice(0).getRow(h - 1), "rows equal");
        return y.slice(0).slice(0).getRow(0).toDoubleVector();
    }

    @Test
    void theIdentityReproducesTheMapUnderBothConventions() {
        Nd4j.getRandom().setSeed(2);
        INDArray x = Nd4j.randn(DataType.DOUBLE, 2, C, H, W);
        INDArray theta = thetas(IDENTITY, IDENTITY);
        for (boolean alignCorners : new boolean[] {true, false}) {
            INDArray y = sampler(H, W, alignCorners).output(false, x, theta)[0];
            assertTrue(x.equalsWithEps(y, 1e-12), "alignCorners " + alignCorners);
        }
    }

    @Test
    void aFloatNetworkSamplesLikeADoubleOne() {
        Nd4j.getRandom().setSeed(3);
        INDArray x = Nd4j.randn(DataType.DOUBLE, B, C, H, W);
        INDArray theta = thetas(rotated(0.2, 0.9, 0.7, 0.1, 0.1), PatchStripes.theta(0, 6), IDENTITY);
        INDArray yd = sampler(5, 3, true).output(false, x, theta)[0];
        INDArray yf = sampler(H, W, 5, 3, true, DataType.FLOAT).output(false, x.castTo(DataType.FLOAT), theta.castTo(DataType.FLOAT))[0];
        assertEquals(DataType.FLOAT, yf.dataType());
        assertTrue(yd.equalsWithEps(yf.castTo(DataType.DOUBLE), 1e-5));
    }

    // ---- PyTorch's own values ----

    // test resource org/reidspark/model/layer/grid_sample_reference.py, run with Debian's python3-torch (torch 1.13.0a0)
    private static final double[] TORCH_Y_ALIGNED = {0.7192947529073617, 0.7019997923190616, 0.2687703976517809, -0.24635239344119944, -0.6890577491041846, -0.5430355524323682, -0.34036720502190576, -0.412984990054756, -0.14045951728541028, 0.3314071120900509, 0.8560889571185347, 0.5450002822385623, -0.1333909795565291, 0.14528145844144505, 0.12179923561992258, -0.1930381121497035, -0.5604755285273767, -0.34322968273403376, 0.575567581454926, 0.2601757025242122, -0.09111303682576272, -0.15605861043546723, 0.0808366779039469, 0.2472752190306758, -0.872657418249938, -0.4282952403395403, 0.06850675101659148, 0.3733195907545015, 0.3744551863220487, -0.014662302209009622, 0.764103474354348, 0.34041689561541066, -0.1713427945407371, -0.6233887284292087, -0.6957743239154969, -0.13940993974435645, 0.06111551462626009, 0.4084292833330729, 0.27911921427148717, 0.028902516080216736, -0.10725526507379182, -0.11292564193218267, -0.33639631190084196, -0.6977996783001289, -0.35353098303188246, -0.09413022402323715, 0.05859983460055729, 0.08588644982223051, 0.6815518189864855, 0.7197154077857109, 0.4461250020607375, 0.15580513367328838, -0.006331720789559286, -0.05640242856602296, -0.07005087914549632, -0.4351306347845203, -0.5439092989453806, -0.5207448863222065, -0.37078669537323494, -0.230965136847147, 0.1683891304571058, 0.3566299784918436, 0.501094670575136, 0.4827487264476099, 0.3897710386968147, 0.24122941695793182, -0.0649538482301111, -0.24292916883375892, -0.4580021220312731, -0.4613279062331261, -0.3693572823993505, -0.2593968531725161};
    private static final double[] TORCH_DX_ALIGNED = {0.019868080242513686, 1.3535520973143766, 0.7766042710452727, 0.038954406708654035, -0.2530126262208095, -1.2398548713610735, -0.16175254875437223, -0.2166491791133377, -0.0771594590970943, -0.16612213229685152, -1.3316416847125214, -0.6676897673152589, 0.00847730693518358, 0.577318133202013, 1.6298859995572006, 0.25833152114268376, 0.0, 0.0, 0.24334303047092432, 0.15951877595954803, 0.015156434296550713, 1.112449779159685, 0.4094233123515414, -0.03835917785220369, -0.3353558472816173, -1.4654202770025822, -0.46362086369166206, -0.7454977814604364, 0.24100512567377086, 0.19477303110757918, -0.9581715711506559, -0.3654356056703202, 0.06417418969695222, 0.8554842804452711, 1.7338557534180103, 0.2892562587477897, 0.0, 0.0, 0.22685799414172797, 0.14243256139564034, 0.0, 0.0, 0.0, 0.0, 0.01856757256397191, -0.14354696512362922, -0.3883202653257944, -0.14489876969610624, 0.18563995173935008, -0.5676746198071881, -0.7664066944755619, -0.16066334135255814, -1.3671025308607627, -0.5120600743718118, 0.14027192537747094, 0.44057788343670007, 0.8637062605820487, 1.3087791529665447, 0.9252327023647169, 0.5952075345655278, 0.0, 0.0, 0.0, 0.0, -0.03791023092640866, -0.2553839868072629, -0.4680419483783278, -0.15970096133736048, -0.25777483509803756, -0.8681468553844209, -0.7395650450388656, -0.08145411822238693, -1.1217063530997826, -0.16482972498008464, 0.4806007644877107, 0.4402165258941883, 1.1441901964590988, 1.3517802271740034, 0.7612136885450916, 0.34600035000590246};
    private static final double[] TORCH_DTHETA_ALIGNED = {0.04940857926331477, 0.33294718593057104, -0.8031028118138844, 8.424039458285808, 6.334126849152171, -20.174473765583713, -0.051928846621988156, -3.6306404562062706, -2.629483084384601, 5.240176278649884, -25.9257812983282, 3.327029659991314};
    private static final double[] TORCH_Y_UNALIGNED = {0.72332206950473, 0.5856786193040069, 0.11816205781489587, -0.4130711705153868, -0.8464214323102575, -0.3014720927061894, -0.19206030351727935, -0.5265225875256528, -0.28709996302785196, 0.17931428520131687, 0.7202146152776779, 0.6761872808538191, -0.18016717726853781, 0.14262376374084482, 0.2748087595268637, 0.06845964061470307, -0.40448482675082675, -0.7687232144505716, 0.6411755283401885, 0.2048949342095072, -0.13358879422776831, -0.13402286984338851, 0.21467189447980062, 0.17370195323613172, -0.6621543014742718, -0.6354506398918348, -0.06983296835071053, 0.26768228913966047, 0.26119104866354986, -0.05463233868849219, 0.4758193088793904, 0.8962211418009899, 0.35932723192234567, -0.16414517713692314, -0.5055935673880932, -0.39314313714899823, 0.0, 0.10006004507109958, 0.20098869448340181, -0.07399348056485941, -0.47736377601299174, -0.7504714337238272, -0.030862770935597382, -0.4913290002569756, -0.49450413636397356, -0.11617167015187198, 0.2569419764709766, 0.41092839917204954, 0.3110256316803404, 0.8755382851515959, 0.5383282819364748, 0.21052898952026217, -0.008001163547281939, -0.0959029411330005, 0.0, -0.19915199270522285, -0.5021827518587474, -0.7577892384221179, -0.7927520492485525, -0.5261349091888837, 0.020929243438683316, 0.28540185712420507, 0.6338683621965964, 0.8441133969200605, 0.7419578649718392, 0.4492307558213506, -0.02964163708913798, -0.1096228470004338, -0.41376733085858697, -0.4887531272237078, -0.4205051964827674, -0.29397454012292823};
    private static final double[] TORCH_DX_UNALIGNED = {0.06438681615909651, 1.260527898128428, 0.6551835980558985, 0.03647469778761997, -0.2770205872098544, -1.2252255858114693, -0.2953692935046906, -0.17007903424013565, -0.05072688184854994, 0.23556344238544852, -0.6128243330970216, -0.846636610501512, 0.0015430375265060529, 0.24131615668136058, 1.232347573946988, 0.7640827062276018, 0.0, 0.0, 0.01975445739339873, 0.049937636551718075, 0.038699275020569725, 1.0142537918521113, 0.3616879716210641, -0.011773445751978324, -0.29461290351361213, -1.427343346151646, -0.5749013294080643, -0.7067117443219785, 0.24660636297050698, 0.7254259985914092, -0.28221460760047457, -0.46345103250367115, 0.004270487345025631, 0.33328043609259145, 1.3056420036364595, 0.7474658074370101, 0.0, 0.0, 0.017589125236545045, 0.04446385571788758, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, -0.02012482912445911, -0.017609225483901727, 0.11527856651264484, -0.5317721185544593, -0.9621893010954479, -0.3729788273465564, -0.9656210652515914, -0.615613048316959, 0.0548837827835863, 0.4348742138166532, 0.9486267345847577, 1.0797076467789968, 0.8773776762943102, 0.5741864189888429, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, -0.022180689074633303, -0.019408102940304147, -0.23708923231332932, -0.9278327127920649, -1.0924411473164441, -0.3616338313903113, -0.8195663383882614, -0.2925564664200213, 0.4759856431286095, 0.4951459616688337, 1.2023805068506948, 1.0699783538825511, 0.7071270053975092, 0.32681316645741065};
    private static final double[] TORCH_DTHETA_UNALIGNED = {0.27844622913926614, 0.5637036895585863, 0.32163968427913897, 0.4854780799707967, -2.630554077607555, -36.900603160628684, -0.7280541294242479, -2.6573231610438803, -4.400434314761349, -0.3330736219641306, -4.3968821845911705, -17.221110547543176};

    @Test
    void forwardAndBackwardMatchPyTorch() {
        int b = 2, mapH = 5, mapW = 4, h = 3, w = 6;
        double[] xs = new double[b * C * mapH * mapW];
        for (int n = 0; n < xs.length; n++) xs[n] = Math.sin(0.7 * n + 0.3);
        double[] dys = new double[b * C * h * w];
        for (int n = 0; n < dys.length; n++) dys[n] = Math.cos(0.37 * n + 0.1);
        INDArray x = Nd4j.create(xs, new long[] {b, C, mapH, mapW}, DataType.DOUBLE);
        INDArray dy = Nd4j.create(dys, new long[] {b, C, h, w}, DataType.DOUBLE);
        INDArray theta = thetas(rotated(0.4, 0.8, 0.6, 0.15, -0.2), new double[] {1.1, 0.2, -0.3, -0.1, 0.5, 0.4});
        for (boolean alignCorners : new boolean[] {true, false}) {
            ComputationGraph g = sampler(mapH, mapW, h, w, alignCorners, DataType.DOUBLE);
            Map<String, INDArray> out = ExternalBackprop.forward(g, x, theta);
            ExternalBackprop.Backward back = ExternalBackprop.backwardToInputs(g, out, Map.of("sampler", dy));
            String what = "alignCorners " + alignCorners;
            assertArrayEquals(alignCorners ? TORCH_Y_ALIGNED : TORCH_Y_UNALIGNED, out.get("sampler").dup('c').data().asDouble(), 1e-12, what);
            assertArrayEquals(alignCorners ? TORCH_DX_ALIGNED : TORCH_DX_UNALIGNED, back.inputGradient("map").dup('c').data().asDouble(), 1e-12, what);
            assertArrayEquals(alignCorners ? TORCH_DTHETA_ALIGNED : TORCH_DTHETA_UNALIGNED, back.inputGradient("theta").dup('c').data().asDouble(), 1e-11, what);
        }
    }

    // ---- stripes ----

    @Test
    void theStripeThetasAreTheOfficialInitialValues() {
        // src/models/patchnet.py, PatchGenerator.__init__: path_postion
        double[] official = {1, 0, 0, 0, 1 / 6., -5 / 6.,
                1, 0, 0, 0, 1 / 6., -3 / 6.,
                1, 0, 0, 0, 1 / 6., -1 / 6.,
                1, 0, 0, 0, 1 / 6., 1 / 6.,
                1, 0, 0, 0, 1 / 6., 3 / 6.,
                1, 0, 0, 0, 1 / 6., 5 / 6.};
        assertArrayEquals(official, PatchStripes.bias(PatchStripes.PAUL_STRIPES), 1e-15);
        double[][] four = PatchStripes.thetas(4);
        assertArrayEquals(new double[] {1, 0, 0, 0, 0.25, -0.75}, four[0], 1e-15);
        assertArrayEquals(new double[] {1, 0, 0, 0, 0.25, 0.75}, four[3], 1e-15);
        assertArrayEquals(new double[] {1, 0, 0, 0, 1, 0}, PatchStripes.theta(0, 1), 1e-15, "one stripe is the identity");
        assertThrows(IllegalArgumentException.class, () -> PatchStripes.theta(6, 6));
        assertThrows(IllegalArgumentException.class, () -> PatchStripes.thetas(0));
    }

    @Test
    void unalignedStripesPickTheirRowsExactly() {
        int m = 3; // H = 6: two rows each
        Nd4j.getRandom().setSeed(4);
        INDArray x = Nd4j.randn(DataType.DOUBLE, 1, C, H, W);
        ComputationGraph g = sampler(H / m, W, false);
        for (int i = 0; i < m; i++) {
            INDArray y = g.output(false, x, thetas(PatchStripes.theta(i, m)))[0];
            INDArray rows = x.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.interval(i * H / m, (i + 1) * H / m), NDArrayIndex.all());
            assertTrue(rows.equalsWithEps(y, 1e-12), "stripe " + i + ": rows " + i * H / m + ".." + ((i + 1) * H / m - 1));
        }
    }

    @Test
    void alignedStripesSampleTheirRowRangeAtTheMapsSize() {
        // PAUL: the patch has the map's size; stripe i, row r reads y = (r + i (H - 1)) / M, every column as it is
        int m = PatchStripes.PAUL_STRIPES;
        int mapH = 12;
        Nd4j.getRandom().setSeed(5);
        INDArray x = Nd4j.randn(DataType.DOUBLE, 1, C, mapH, W);
        ComputationGraph g = sampler(mapH, W, mapH, W, true, DataType.DOUBLE);
        for (int i = 0; i < m; i++) {
            INDArray y = g.output(false, x, thetas(PatchStripes.theta(i, m)))[0];
            for (int r = 0; r < mapH; r++) {
                double row = (r + i * (mapH - 1.0)) / m;
                int y0 = (int) Math.floor(row);
                double f = row - y0;
                for (int c = 0; c < C; c++) {
                    for (int j = 0; j < W; j++) {
                        double below = y0 + 1 < mapH ? x.getDouble(0, c, y0 + 1, j) : 0;
                        double expected = (1 - f) * x.getDouble(0, c, y0, j) + f * below;
                        assertEquals(expected, y.getDouble(0, c, r, j), 1e-12, "stripe " + i + " row " + r + " (map row " + row + ")");
                    }
                }
            }
        }
    }

    // ---- gradients ----

    private static double loss(ComputationGraph g, INDArray weights, INDArray x, INDArray theta) {
        return g.output(true, x, theta)[0].mul(weights).sumNumber().doubleValue();
    }

    private static void checkGradients(INDArray theta, int h, int w, boolean alignCorners, long seed) {
        // central differences move a coordinate by ~1e-5 pixels at most: keep them off the kinks by more
        double kink = distanceToKinks(theta, h, w, alignCorners);
        assertTrue(kink > 1e-4, "a sampled coordinate sits " + kink + " from a pixel boundary");
        ComputationGraph g = sampler(h, w, alignCorners);
        Nd4j.getRandom().setSeed(seed);
        INDArray x = Nd4j.randn(DataType.DOUBLE, theta.size(0), C, H, W);
        INDArray weights = Nd4j.randn(DataType.DOUBLE, theta.size(0), C, h, w);
        Map<String, INDArray> out = ExternalBackprop.forward(g, x, theta);
        ExternalBackprop.Backward back = ExternalBackprop.backwardToInputs(g, out, Map.of("sampler", weights));
        INDArray dx = back.inputGradient("map");
        INDArray dTheta = back.inputGradient("theta");
        String what = "alignCorners " + alignCorners + ", " + h + "x" + w;
        NumericalGradient.Report rx = NumericalGradient.check(v -> loss(g, weights, v, theta), x, dx);
        assertTrue(rx.passed(), what + ", map: " + rx);
        NumericalGradient.Report rt = NumericalGradient.check(v -> loss(g, weights, x, v), theta, dTheta);
        assertTrue(rt.passed(), what + ", theta: " + rt);
        // not vacuous: every sample's theta and most of the map get a gradient
        for (int b = 0; b < theta.size(0); b++) {
            assertTrue(dTheta.getRow(b).norm2Number().doubleValue() > 1e-2, what + ", sample " + b + ": " + dTheta.getRow(b));
        }
        assertTrue(dx.neq(0).castTo(DataType.DOUBLE).sumNumber().doubleValue() > x.length() / 4.0, what);
    }

    @Test
    void gradientsNearAStripeMatchCentralDifferences() {
        Nd4j.getRandom().setSeed(11);
        INDArray theta = Nd4j.create(new double[][] {PatchStripes.theta(1, 6), PatchStripes.theta(3, 6), PatchStripes.theta(5, 6)})
                .addi(Nd4j.randn(DataType.DOUBLE, 3, 6).muli(0.03));
        checkGradients(theta, H, W, true, 12);
        checkGradients(theta, 5, 3, false, 13);
    }

    @Test
    void gradientsOfRotatedAndScaledPatchesMatchCentralDifferences() {
        INDArray theta = thetas(
                rotated(0.35, 0.7, 0.55, 0.13, -0.21),
                rotated(-0.5, 1.3, 1.15, -0.17, 0.23),   // reaches outside the map: zero padding
                rotated(1.1, 0.45, 0.9, 0.31, 0.07));
        checkGradients(theta, 5, 3, true, 14);
        checkGradients(theta, 7, 5, false, 15);
    }

    /**
     * PAUL's patch generation network in small: map -> average pool -> linear regression to 6 thetas (36 values,
     * bias at the stripes) -> one sampler per stripe. Also the sampler that a coarser unaligned stripe would use.
     */
    private static ComputationGraph patchNetwork() {
        ComputationGraphConfiguration.GraphBuilder g = builder(DataType.DOUBLE).addInputs("map")
                .setInputTypes(InputType.convolutional(H, W, C));
        g.addLayer("pool", new GlobalPoolingLayer.Builder(PoolingType.AVG).collapseDimensions(true).build(), "map");
        g.addLayer("loc", new DenseLayer.Builder().nOut(36).activation(Activation.IDENTITY).build(), "pool");
        String[] outs = new String[PatchStripes.PAUL_STRIPES + 1];
        for (int i = 0; i < PatchStripes.PAUL_STRIPES; i++) {
            g.addVertex("theta" + i, new SubsetVertex(6 * i, 6 * i + 5), "loc");
            g.addVertex("patch" + i, new BilinearSampler(H, W), "map", "theta" + i);
            outs[i] = "patch" + i;
        }
        g.addVertex("coarse", new BilinearSampler(1, W, false), "map", "theta2");
        outs[PatchStripes.PAUL_STRIPES] = "coarse";
        g.setOutputs(outs);
        ComputationGraph graph = new ComputationGraph(g.build());
        graph.init();
        graph.getLayer("loc").getParam("W").assign(0);
        INDArray bias = graph.getLayer("loc").getParam("b");
        bias.assign(Nd4j.create(PatchStripes.bias(PatchStripes.PAUL_STRIPES), bias.shape(), DataType.DOUBLE));
        return graph;
    }

    @Test
    void thePatchNetworkStartsAtTheStripesAndItsRegressionLearnsThroughTheSampler() {
        ComputationGraph g = patchNetwork();
        Nd4j.getRandom().setSeed(21);
        INDArray x = Nd4j.randn(DataType.DOUBLE, 2, C, H, W);
        INDArray[] y = g.output(false, x);
        ComputationGraph single = sampler(H, W, true);
        for (int i = 0; i < PatchStripes.PAUL_STRIPES; i++) {
            INDArray theta = thetas(PatchStripes.theta(i, 6), PatchStripes.theta(i, 6));
            assertTrue(single.output(false, x, theta)[0].equalsWithEps(y[i], 1e-12), "patch " + i + " is stripe " + i);
        }
        // the coarse sampler, unaligned, H / M = 1 row: stripe 2 is row 2 of 6
        INDArray row2 = x.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.interval(2, 3), NDArrayIndex.all());
        assertTrue(row2.equalsWithEps(y[PatchStripes.PAUL_STRIPES], 1e-12));

        // leave the stripes a little, then check the regression's and the map's gradients
        Nd4j.getRandom().setSeed(22);
        g.getLayer("loc").getParam("W").assign(Nd4j.randn(DataType.DOUBLE, C, 36).muli(0.05));
        INDArray bias = g.getLayer("loc").getParam("b");
        bias.addi(Nd4j.randn(DataType.DOUBLE, bias.shape()).muli(0.02));
        Map<String, INDArray> weights = new HashMap<>();
        for (String o : g.getConfiguration().getNetworkOutputs()) {
            weights.put(o, Nd4j.randn(DataType.DOUBLE, 2, C, o.equals("coarse") ? 1 : H, W));
        }
        java.util.function.ToDoubleFunction<INDArray> loss = v -> {
            INDArray[] outs = g.output(true, v);
            double s = 0;
            for (int i = 0; i < outs.length; i++) s += outs[i].mul(weights.get(g.getConfiguration().getNetworkOutputs().get(i))).sumNumber().doubleValue();
            return s;
        };
        Map<String, INDArray> out = ExternalBackprop.forward(g, x);
        ExternalBackprop.Backward back = ExternalBackprop.backwardToInputs(g, out, weights);
        INDArray dW = back.gradient().getGradientFor("loc_W").dup();
        INDArray db = back.gradient().getGradientFor("loc_b").dup();
        INDArray dx = back.inputGradient("map");
        NumericalGradient.Report rb = NumericalGradient.check(v -> loss.applyAsDouble(x), g.getLayer("loc").getParam("b"), db);
        assertTrue(rb.passed(), "regression bias: " + rb);
        NumericalGradient.Report rw = NumericalGradient.check(v -> loss.applyAsDouble(x), g.getLayer("loc").getParam("W"), dW, 0, 5);
        assertTrue(rw.passed(), "regression weights: " + rw);
        NumericalGradient.Report rx = NumericalGradient.check(loss, x, dx, 1, 3);
        assertTrue(rx.passed(), "map (sampled and pooled for the regression): " + rx);
        assertTrue(db.norm2Number().doubleValue() > 1e-2, "the regression gets a gradient");
    }

    // ---- serialization, errors ----

    @Test
    void theGraphSurvivesJsonAndASaveAndRestore() throws Exception {
        ComputationGraph g = patchNetwork();
        ComputationGraphConfiguration conf = ComputationGraphConfiguration.fromJson(g.getConfiguration().toJson());
        assertEquals(new BilinearSampler(H, W, true), conf.getVertices().get("patch0"));
        assertEquals(new BilinearSampler(1, W, false), conf.getVertices().get("coarse"));
        assertEquals(g.getConfiguration(), conf);

        Nd4j.getRandom().setSeed(31);
        g.getLayer("loc").getParam("W").assign(Nd4j.randn(DataType.DOUBLE, C, 36).muli(0.05));
        INDArray x = Nd4j.randn(DataType.DOUBLE, 2, C, H, W);
        INDArray[] before = g.output(false, x);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ModelSerializer.writeModel(g, bytes, true);
        ComputationGraph restored = ModelSerializer.restoreComputationGraph(new ByteArrayInputStream(bytes.toByteArray()), true);
        assertInstanceOf(BilinearSamplerVertex.class, restored.getVertex("patch3"));
        assertEquals(g.getConfiguration().getVertices().get("coarse"), restored.getConfiguration().getVertices().get("coarse"));
        INDArray[] after = restored.output(false, x);
        assertEquals(before.length, after.length);
        for (int i = 0; i < before.length; i++) assertEquals(before[i], after[i], "output " + i);
    }

    @Test
    void badShapesAndArgumentsFailClearly() {
        ComputationGraph g = sampler(3, 3, true);
        INDArray x = Nd4j.randn(DataType.DOUBLE, 2, C, H, W);
        Exception wrongWidth = assertThrows(Exception.class, () -> g.output(false, x, Nd4j.zeros(DataType.DOUBLE, 2, 5)));
        assertTrue(messages(wrongWidth).contains("theta must be [B, 6] = [2, 6]") && messages(wrongWidth).contains("[2, 5]"),
                messages(wrongWidth));
        Exception wrongBatch = assertThrows(Exception.class, () -> g.output(false, x, Nd4j.zeros(DataType.DOUBLE, 3, 6)));
        assertTrue(messages(wrongBatch).contains("[3, 6]"), messages(wrongBatch));

        ComputationGraphConfiguration.GraphBuilder b = builder(DataType.DOUBLE).addInputs("map", "theta")
                .setInputTypes(InputType.convolutional(H, W, C), InputType.feedForward(4));
        b.addVertex("sampler", new BilinearSampler(2, 2), "map", "theta");
        b.setOutputs("sampler");
        Exception config = assertThrows(Exception.class, b::build);
        assertTrue(messages(config).contains("theta [B, 6]"), messages(config));

        ComputationGraphConfiguration.GraphBuilder swapped = builder(DataType.DOUBLE).addInputs("map", "theta")
                .setInputTypes(InputType.convolutional(H, W, C), InputType.feedForward(6));
        swapped.addVertex("sampler", new BilinearSampler(2, 2), "theta", "map");
        swapped.setOutputs("sampler");
        Exception order = assertThrows(Exception.class, swapped::build);
        assertTrue(messages(order).contains("feature map [B, C, H, W]"), messages(order));

        Exception size = assertThrows(IllegalArgumentException.class, () -> new BilinearSampler(0, 4));
        assertTrue(size.getMessage().contains("0x4"), size.getMessage());
    }

    /** The messages of an exception and its causes (DL4J may wrap). */
    private static String messages(Throwable t) {
        StringBuilder s = new StringBuilder();
        for (Throwable c = t; c != null; c = c.getCause()) s.append(c.getMessage()).append(" | ");
        return s.toString();
    }
}
