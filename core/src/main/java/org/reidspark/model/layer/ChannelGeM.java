package org.reidspark.model.layer;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.ParamInitializer;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.memory.LayerMemoryReport;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.reidspark.model.backbone.LayerWiring;

import java.util.Collection;
import java.util.Objects;

/**
 * Generalized-mean (GeM) norm over the channels of a feature map, per position, in {@code n} maps: DCR's part locator
 * and foreground perception head (Yang and Xu, "Learning differentiable categorical regions with Gumbel-Softmax for
 * person re-identification", Neurocomputing 2024, https://doi.org/10.1016/j.neucom.2024.128723; official code
 * github.com/DeepAlchemist/differentiable-categorical-region, {@code SegHead} and {@code SoftNorm} in
 * {@code fastreid/modeling/meta_arch/GSS.py}). With {@code x' = max(x, eps)}:
 * <pre>
 *   gated:    y_k = ( sum_c (x'_c * sigmoid(W_kc))^p )^(1/p),   k = 1..n   (SegHead: one gated map per part)
 *   ungated:  y   = ( sum_c  x'_c^p )^(1/p)                      n = 1      (SoftNorm: the foreground map)
 * </pre>
 * Parameters: {@code p} (one exponent shared by the maps, learned, initialized to {@code initial-p}, 3 in the
 * official code) and, when gated, the gate logits {@code W [n, C]} (normal with standard deviation sqrt(2), PyTorch's
 * Kaiming-normal fan-out initialization of the official 1x1 convolution with one output). {@code W} is a weight
 * (the network's L2 applies) and {@code p} a bias (no L2). The layer is {@link ChannelGeMLayer}, with a hand-written
 * backward pass (checked against central differences in double precision).
 *
 * <p>Shapes (NCHW): input {@code [B, C, h, w]}, output {@code [B, n, h, w]}.
 */
public class ChannelGeM extends BaseLayer {
    private long nIn;
    private int nOut;
    private boolean gated;
    private double initialP;
    private double eps;

    /** For JSON deserialization. */
    public ChannelGeM() {
    }

    private ChannelGeM(Builder b) {
        super(b);
        this.nIn = b.nIn;
        this.nOut = b.nOut;
        this.gated = b.gated;
        this.initialP = b.initialP;
        this.eps = b.eps;
        if (nOut < 1) throw new IllegalArgumentException("ChannelGeM needs at least one output map, got " + nOut);
        if (!gated && nOut != 1) throw new IllegalArgumentException("an ungated ChannelGeM has one output map, got " + nOut);
        if (!(initialP >= 1)) throw new IllegalArgumentException("ChannelGeM's initial p must be >= 1, got " + initialP);
        if (!(eps > 0)) throw new IllegalArgumentException("ChannelGeM's eps must be > 0, got " + eps);
    }

    @Override
    public Layer instantiate(NeuralNetConfiguration conf, Collection<TrainingListener> trainingListeners, int layerIndex,
                             INDArray layerParamsView, boolean initializeParams, DataType networkDataType) {
        if (nIn < 1) throw new IllegalStateException("ChannelGeM " + getLayerName() + ": input channels not set");
        return LayerWiring.wire(new ChannelGeMLayer(conf, networkDataType), this, conf, trainingListeners, layerIndex,
                layerParamsView, initializeParams);
    }

    @Override
    public ParamInitializer initializer() {
        return ChannelGeMParams.INSTANCE;
    }

    @Override
    public InputType getOutputType(int layerIndex, InputType inputType) {
        InputType.InputTypeConvolutional in = convolutional(inputType);
        return InputType.convolutional(in.getHeight(), in.getWidth(), nOut);
    }

    @Override
    public void setNIn(InputType inputType, boolean override) {
        if (nIn <= 0 || override) nIn = convolutional(inputType).getChannels();
    }

    private InputType.InputTypeConvolutional convolutional(InputType inputType) {
        if (!(inputType instanceof InputType.InputTypeConvolutional c)) {
            throw new IllegalArgumentException("ChannelGeM " + getLayerName() + " needs a convolutional input [B, C, h, w], got " + inputType);
        }
        return c;
    }

    @Override
    public InputPreProcessor getPreProcessorForInputType(InputType inputType) {
        return null;
    }

    @Override
    public boolean isPretrainParam(String paramName) {
        return false;
    }

    @Override
    public LayerMemoryReport getMemoryReport(InputType inputType) {
        InputType out = getOutputType(-1, inputType);
        return new LayerMemoryReport.Builder(layerName, ChannelGeM.class, inputType, out)
                .standardMemory(initializer().numParams(this), 0).workingMemory(0, 0, 0, 0).cacheMemory(0, 0).build();
    }

    public long getNIn() {
        return nIn;
    }

    public void setNIn(long nIn) {
        this.nIn = nIn;
    }

    public int getNOut() {
        return nOut;
    }

    public void setNOut(int nOut) {
        this.nOut = nOut;
    }

    public boolean isGated() {
        return gated;
    }

    public void setGated(boolean gated) {
        this.gated = gated;
    }

    public double getInitialP() {
        return initialP;
    }

    public void setInitialP(double initialP) {
        this.initialP = initialP;
    }

    public double getEps() {
        return eps;
    }

    public void setEps(double eps) {
        this.eps = eps;
    }

    @Override
    public ChannelGeM clone() {
        return (ChannelGeM) super.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ChannelGeM g && super.equals(o) && nIn == g.nIn && nOut == g.nOut && gated == g.gated
                && initialP == g.initialP && eps == g.eps;
    }

    @Override
    public int hashCode() {
        return Objects.hash(super.hashCode(), nIn, nOut, gated, initialP, eps);
    }

    /** Builds a {@link ChannelGeM}; the input channels are set from the graph's input type. */
    public static class Builder extends BaseLayer.Builder<Builder> {
        private long nIn;
        private int nOut = 1;
        private boolean gated;
        private double initialP = 3;
        private double eps = 1e-6;

        /** {@code n} gated maps (a part locator). */
        public static Builder gated(int n) {
            Builder b = new Builder();
            b.nOut = n;
            b.gated = true;
            return b;
        }

        /** One ungated map (a foreground head). */
        public static Builder ungated() {
            return new Builder();
        }

        public Builder nIn(long channels) {
            this.nIn = channels;
            return this;
        }

        /** Initial exponent p (>= 1; 3 in the official code). */
        public Builder initialP(double p) {
            this.initialP = p;
            return this;
        }

        /** Floor of the input, {@code x' = max(x, eps)} (1e-6 in the official code). */
        public Builder eps(double eps) {
            this.eps = eps;
            return this;
        }

        @Override
        @SuppressWarnings("unchecked")
        public ChannelGeM build() {
            return new ChannelGeM(this);
        }
    }
}
