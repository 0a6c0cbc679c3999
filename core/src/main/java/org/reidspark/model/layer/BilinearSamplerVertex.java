package org.reidspark.model.layer;

import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.shape.Shape;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Arrays;

/**
 * The vertex of {@link BilinearSampler} (see there for the formula, the shapes and the {@code alignCorners} choice):
 * PyTorch's {@code grid_sample(x, affine_grid(theta, [B, C, h, w]))}, bilinear, zero padding, with a hand-written
 * backward pass to both the map and theta. Works on flat {@code double[]} copies of its inputs (any network type):
 * per sample, the 4 neighbour pixels and their weights are found once per output position and shared by all channels.
 */
public class BilinearSamplerVertex extends ParameterFreeVertex {
    private final int height;
    private final int width;
    private final boolean alignCorners;

    public BilinearSamplerVertex(ComputationGraph graph, String name, int vertexIndex, int height, int width,
                                 boolean alignCorners, DataType dataType) {
        super(graph, name, vertexIndex, dataType, "BilinearSampler");
        this.height = height;
        this.width = width;
        this.alignCorners = alignCorners;
    }

    /** The inputs' shapes, checked: {@code {B, C, H, W}}. */
    private long[] checkedShape(INDArray x, INDArray theta) {
        if (x == null || theta == null) throw new IllegalStateException("BilinearSampler " + vertexName + ": inputs not set");
        if (x.rank() != 4) {
            throw new IllegalArgumentException("BilinearSampler " + vertexName + ": the feature map must be [B, C, H, W], got "
                    + Arrays.toString(x.shape()));
        }
        if (theta.rank() != 2 || theta.size(1) != 6 || theta.size(0) != x.size(0)) {
            throw new IllegalArgumentException("BilinearSampler " + vertexName + ": theta must be [B, 6] = [" + x.size(0)
                    + ", 6] (the 2x3 affine matrix row-major, B from the map " + Arrays.toString(x.shape()) + "), got "
                    + Arrays.toString(theta.shape()));
        }
        if (x.length() > Integer.MAX_VALUE || x.size(0) * x.size(1) * height * (long) width > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("BilinearSampler " + vertexName + ": map or patch over 2^31 elements");
        }
        return x.shape();
    }

    @Override
    public INDArray doForward(boolean training, LayerWorkspaceMgr workspaceMgr) {
        if (!canDoForward()) throw new IllegalStateException("BilinearSampler " + vertexName + ": inputs not set");
        long[] s = checkedShape(inputs[0], inputs[1]);
        Kernel k = new Kernel((int) s[0], (int) s[1], (int) s[2], (int) s[3], height, width, alignCorners);
        double[] y = k.forward(flat(inputs[0]), flat(inputs[1]));
        INDArray out = array(y, new long[] {s[0], s[1], height, width}, dataType);
        return workspaceMgr.leverageTo(ArrayType.ACTIVATIONS, out);
    }

    @Override
    public Pair<Gradient, INDArray[]> doBackward(boolean tbptt, LayerWorkspaceMgr workspaceMgr) {
        if (!canDoBackward()) throw new IllegalStateException("BilinearSampler " + vertexName + ": errors not set");
        long[] s = checkedShape(inputs[0], inputs[1]);
        long[] outShape = {s[0], s[1], height, width};
        if (!Arrays.equals(epsilon.shape(), outShape)) {
            throw new IllegalArgumentException("BilinearSampler " + vertexName + ": the error must be the patch's shape "
                    + Arrays.toString(outShape) + ", got " + Arrays.toString(epsilon.shape()));
        }
        Kernel k = new Kernel((int) s[0], (int) s[1], (int) s[2], (int) s[3], height, width, alignCorners);
        double[] dx = new double[(int) inputs[0].length()];
        double[] dTheta = new double[(int) s[0] * 6];
        k.backward(flat(inputs[0]), flat(inputs[1]), flat(epsilon), dx, dTheta);
        INDArray gx = workspaceMgr.leverageTo(ArrayType.ACTIVATION_GRAD, array(dx, s, dataType));
        INDArray gt = workspaceMgr.leverageTo(ArrayType.ACTIVATION_GRAD, array(dTheta, new long[] {s[0], 6}, dataType));
        return new Pair<>(null, new INDArray[] {gx, gt});
    }

    /** The elements of {@code a} in C order, as doubles (bulk copies; a dup first only when {@code a} is a view). */
    static double[] flat(INDArray a) {
        boolean whole = a.ordering() == 'c' && Shape.hasDefaultStridesForShape(a) && a.offset() == 0 && a.data().length() == a.length();
        INDArray c = whole ? a : a.dup('c');
        if (c.data().length() != c.length()) return c.data().getDoublesAt(c.offset(), (int) c.length());
        switch (c.dataType()) {
            case DOUBLE:
                return c.data().asDouble();
            case FLOAT: {
                float[] f = c.data().asFloat();
                double[] d = new double[f.length];
                for (int i = 0; i < f.length; i++) d[i] = f[i];
                return d;
            }
            default:
                return c.castTo(DataType.DOUBLE).data().asDouble();
        }
    }

    /** An array of type {@code type} and shape {@code shape} holding {@code v} in C order. */
    static INDArray array(double[] v, long[] shape, DataType type) {
        switch (type) {
            case DOUBLE:
                return Nd4j.create(v, shape, 'c');
            case FLOAT: {
                float[] f = new float[v.length];
                for (int i = 0; i < v.length; i++) f[i] = (float) v[i];
                return Nd4j.create(f, shape, 'c');
            }
            default:
                return Nd4j.create(v, shape, 'c').castTo(type);
        }
    }

    @Override
    public String toString() {
        return "BilinearSamplerVertex(name=" + vertexName + ", " + height + "x" + width + ", alignCorners=" + alignCorners + ")";
    }

    /**
     * Sampling on flat C-order arrays: map {@code [B, C, H, W]}, theta {@code [B, 6]}, patch {@code [B, C, h, w]}.
     * Per sample it fills, for each output position {@code p} and neighbour {@code k} (0: top left, 1: top right,
     * 2: bottom left, 3: bottom right), the pixel index {@code idx}, the bilinear weight {@code wgt}, and the weight's
     * derivatives along px and py ({@code dpx}, {@code dpy}); a neighbour outside the map has index 0 and all three 0.
     */
    static final class Kernel {
        private final int b;
        private final int c;
        private final int inH;
        private final int inW;
        private final int h;
        private final int w;
        private final double[] u;
        private final double[] v;
        private final double scaleX;
        private final double scaleY;
        private final boolean alignCorners;
        private final int[] idx;
        private final double[] wgt;
        private final double[] dpx;
        private final double[] dpy;

        Kernel(int b, int c, int inH, int inW, int h, int w, boolean alignCorners) {
            this.b = b;
            this.c = c;
            this.inH = inH;
            this.inW = inW;
            this.h = h;
            this.w = w;
            this.alignCorners = alignCorners;
            this.u = base(w, alignCorners);
            this.v = base(h, alignCorners);
            this.scaleX = alignCorners ? (inW - 1) / 2.0 : inW / 2.0;
            this.scaleY = alignCorners ? (inH - 1) / 2.0 : inH / 2.0;
            int n = 4 * h * w;
            this.idx = new int[n];
            this.wgt = new double[n];
            this.dpx = new double[n];
            this.dpy = new double[n];
        }

        /** affine_grid's base coordinates along one axis of n positions. */
        static double[] base(int n, boolean alignCorners) {
            double[] r = new double[n];
            if (n == 1) return r;
            for (int j = 0; j < n; j++) r[j] = alignCorners ? -1 + 2.0 * j / (n - 1) : (2.0 * j + 1) / n - 1;
            return r;
        }

        private double pixelX(double gx) {
            return alignCorners ? (gx + 1) * scaleX : ((gx + 1) * inW - 1) / 2;
        }

        private double pixelY(double gy) {
            return alignCorners ? (gy + 1) * scaleY : ((gy + 1) * inH - 1) / 2;
        }

        /** Fills idx, wgt, dpx, dpy for sample {@code s}. */
        private void neighbours(double[] theta, int s) {
            int o = 6 * s;
            double t0 = theta[o], t1 = theta[o + 1], t2 = theta[o + 2], t3 = theta[o + 3], t4 = theta[o + 4], t5 = theta[o + 5];
            for (int i = 0; i < h; i++) {
                for (int j = 0; j < w; j++) {
                    int p = i * w + j;
                    double px = pixelX(t0 * u[j] + t1 * v[i] + t2);
                    double py = pixelY(t3 * u[j] + t4 * v[i] + t5);
                    double x0 = Math.floor(px);
                    double y0 = Math.floor(py);
                    double fx = px - x0;
                    double fy = py - y0;
                    set(4 * p, x0, y0, (1 - fx) * (1 - fy), -(1 - fy), -(1 - fx));
                    set(4 * p + 1, x0 + 1, y0, fx * (1 - fy), 1 - fy, -fx);
                    set(4 * p + 2, x0, y0 + 1, (1 - fx) * fy, -fy, 1 - fx);
                    set(4 * p + 3, x0 + 1, y0 + 1, fx * fy, fy, fx);
                }
            }
        }

        private void set(int k, double col, double row, double weight, double dX, double dY) {
            // NaN coordinates fail both tests, like coordinates outside the map: zero
            if (col >= 0 && col <= inW - 1 && row >= 0 && row <= inH - 1) {
                idx[k] = (int) row * inW + (int) col;
                wgt[k] = weight;
                dpx[k] = dX;
                dpy[k] = dY;
            } else {
                idx[k] = 0;
                wgt[k] = 0;
                dpx[k] = 0;
                dpy[k] = 0;
            }
        }

        double[] forward(double[] x, double[] theta) {
            int hw = h * w;
            int inHW = inH * inW;
            double[] y = new double[b * c * hw];
            for (int s = 0; s < b; s++) {
                neighbours(theta, s);
                for (int ch = 0; ch < c; ch++) {
                    int in = (s * c + ch) * inHW;
                    int out = (s * c + ch) * hw;
                    for (int p = 0; p < hw; p++) {
                        int k = 4 * p;
                        y[out + p] = wgt[k] * x[in + idx[k]] + wgt[k + 1] * x[in + idx[k + 1]]
                                + wgt[k + 2] * x[in + idx[k + 2]] + wgt[k + 3] * x[in + idx[k + 3]];
                    }
                }
            }
            return y;
        }

        /**
         * Adds {@code dL/dx} into {@code dx} ({@code [B, C, H, W]}, zeros on entry) and writes {@code dL/dtheta} into
         * {@code dTheta} ({@code [B, 6]}), for the patch's error {@code dy}.
         */
        void backward(double[] x, double[] theta, double[] dy, double[] dx, double[] dTheta) {
            int hw = h * w;
            int inHW = inH * inW;
            double[] gpx = new double[hw];
            double[] gpy = new double[hw];
            for (int s = 0; s < b; s++) {
                neighbours(theta, s);
                Arrays.fill(gpx, 0);
                Arrays.fill(gpy, 0);
                for (int ch = 0; ch < c; ch++) {
                    int in = (s * c + ch) * inHW;
                    int out = (s * c + ch) * hw;
                    for (int p = 0; p < hw; p++) {
                        double e = dy[out + p];
                        if (e == 0) continue;
                        int k = 4 * p;
                        double q0 = x[in + idx[k]], q1 = x[in + idx[k + 1]], q2 = x[in + idx[k + 2]], q3 = x[in + idx[k + 3]];
                        gpx[p] += e * (dpx[k] * q0 + dpx[k + 1] * q1 + dpx[k + 2] * q2 + dpx[k + 3] * q3);
                        gpy[p] += e * (dpy[k] * q0 + dpy[k + 1] * q1 + dpy[k + 2] * q2 + dpy[k + 3] * q3);
                        dx[in + idx[k]] += wgt[k] * e;
                        dx[in + idx[k + 1]] += wgt[k + 1] * e;
                        dx[in + idx[k + 2]] += wgt[k + 2] * e;
                        dx[in + idx[k + 3]] += wgt[k + 3] * e;
                    }
                }
                // px = (gx + 1) W / 2 - 1/2 or (gx + 1) (W - 1) / 2: dpx/dgx is scaleX either way (same for y)
                double g0 = 0, g1 = 0, g2 = 0, g3 = 0, g4 = 0, g5 = 0;
                for (int i = 0; i < h; i++) {
                    for (int j = 0; j < w; j++) {
                        int p = i * w + j;
                        double dgx = gpx[p] * scaleX;
                        double dgy = gpy[p] * scaleY;
                        g0 += dgx * u[j];
                        g1 += dgx * v[i];
                        g2 += dgx;
                        g3 += dgy * u[j];
                        g4 += dgy * v[i];
                        g5 += dgy;
                    }
                }
                int o = 6 * s;
                dTheta[o] = g0;
                dTheta[o + 1] = g1;
                dTheta[o + 2] = g2;
                dTheta[o + 3] = g3;
                dTheta[o + 4] = g4;
                dTheta[o + 5] = g5;
            }
        }
    }
}
