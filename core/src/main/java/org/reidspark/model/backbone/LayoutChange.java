package org.reidspark.model.backbone;

import org.deeplearning4j.nn.api.MaskState;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Arrays;

/**
 * Moves 4-D activations between channels-first and channels-last: {@code [B, C, H, W]} to {@code [B, H, W, C]}
 * ({@link #toChannelsLast} true) or back, into a new C-ordered array (a permuted view would reach the native
 * operations with strides they do not expect). The preprocessor of the layout-change vertices that
 * {@link InferenceFolding} puts where its channels-last region of an inference copy meets the rest of the graph. Not
 * serialized: the copies are never saved.
 */
public final class LayoutChange implements InputPreProcessor {
    private static final long serialVersionUID = 1L;
    private static final int[] TO_LAST = {0, 2, 3, 1};
    private static final int[] TO_FIRST = {0, 3, 1, 2};

    private final boolean toChannelsLast;

    public LayoutChange(boolean toChannelsLast) {
        this.toChannelsLast = toChannelsLast;
    }

    public boolean toChannelsLast() {
        return toChannelsLast;
    }

    private static INDArray permuted(INDArray x, int[] order, ArrayType type, LayerWorkspaceMgr mgr) {
        if (x.rank() != 4) {
            throw new IllegalArgumentException("a layout change takes 4-D activations, got shape " + Arrays.toString(x.shape()));
        }
        INDArray view = x.permute(order);
        return mgr.createUninitialized(type, x.dataType(), view.shape(), 'c').assign(view);
    }

    @Override
    public INDArray preProcess(INDArray input, int miniBatchSize, LayerWorkspaceMgr workspaceMgr) {
        return permuted(input, toChannelsLast ? TO_LAST : TO_FIRST, ArrayType.ACTIVATIONS, workspaceMgr);
    }

    @Override
    public INDArray backprop(INDArray output, int miniBatchSize, LayerWorkspaceMgr workspaceMgr) {
        return permuted(output, toChannelsLast ? TO_FIRST : TO_LAST, ArrayType.ACTIVATION_GRAD, workspaceMgr);
    }

    @Override
    public LayoutChange clone() {
        return new LayoutChange(toChannelsLast);
    }

    @Override
    public InputType getOutputType(InputType inputType) {
        if (!(inputType instanceof InputType.InputTypeConvolutional c)) {
            throw new IllegalArgumentException("a layout change takes convolutional input, got " + inputType);
        }
        return InputType.convolutional(c.getHeight(), c.getWidth(), c.getChannels(),
                toChannelsLast ? CNN2DFormat.NHWC : CNN2DFormat.NCHW);
    }

    @Override
    public Pair<INDArray, MaskState> feedForwardMaskArray(INDArray maskArray, MaskState currentMaskState, int minibatchSize) {
        return new Pair<>(maskArray, currentMaskState);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof LayoutChange l && l.toChannelsLast == toChannelsLast;
    }

    @Override
    public int hashCode() {
        return Boolean.hashCode(toChannelsLast);
    }
}
