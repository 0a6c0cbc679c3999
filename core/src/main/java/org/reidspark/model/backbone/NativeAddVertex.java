package org.reidspark.model.backbone;

import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.AddOp;
import org.nd4j.linalg.factory.Nd4j;
import org.reidspark.model.StepOutputs;
import org.reidspark.model.layer.ParameterFreeVertex;

import java.util.Arrays;

/**
 * The vertex of {@link NativeAdd}: forward {@code y = a + b} in one native pass, into {@code a} when configured in
 * place and {@code a} lies outside any workspace with no workspace for the output (DL4J's inference passes use
 * workspaces; training here runs without), else into a new array, freed when the step is done
 * ({@link StepOutputs}); backward {@code da = db = dy}, each a copy in the error workspace as DL4J's
 * {@code ElementWiseVertex} gives them (DL4J closes the workspace holding {@code dy} once this vertex is done).
 *
 * <p>Shapes: {@code a}, {@code b}, {@code y} and the errors all of one shape.
 */
public class NativeAddVertex extends ParameterFreeVertex implements StepOutputs.Holder {
    private final boolean inPlace;

    /** Outputs allocated in recorded training passes, freed when the step is done ({@link StepOutputs}). */
    private final transient StepOutputs.Kept kept = new StepOutputs.Kept();

    public NativeAddVertex(ComputationGraph graph, String name, int vertexIndex, boolean inPlace, DataType dataType) {
        super(graph, name, vertexIndex, dataType, "NativeAdd");
        this.inPlace = inPlace;
    }

    @Override
    public INDArray doForward(boolean training, LayerWorkspaceMgr workspaceMgr) {
        if (!canDoForward()) throw new IllegalStateException("NativeAdd " + vertexName + ": inputs not set");
        if (!Arrays.equals(inputs[0].shape(), inputs[1].shape())) {
            throw new IllegalStateException("NativeAdd " + vertexName + " sums inputs of one shape, got "
                    + Arrays.toString(inputs[0].shape()) + " and " + Arrays.toString(inputs[1].shape()));
        }
        INDArray a = inputs[0].castTo(dataType);
        INDArray b = inputs[1].castTo(dataType);
        INDArray y = inPlace && StepOutputs.mayOverwrite(a, inputs[0], workspaceMgr) ? a
                : kept.newOutput(workspaceMgr, dataType, a.shape(), training);
        Nd4j.exec(new AddOp(a, b, y));
        return y;
    }

    @Override
    public Pair<Gradient, INDArray[]> doBackward(boolean tbptt, LayerWorkspaceMgr workspaceMgr) {
        if (!canDoBackward()) throw new IllegalStateException("NativeAdd " + vertexName + ": errors not set");
        return new Pair<>(null, new INDArray[]{workspaceMgr.dup(ArrayType.ACTIVATION_GRAD, epsilon),
                workspaceMgr.dup(ArrayType.ACTIVATION_GRAD, epsilon)});
    }

    @Override
    public void releaseStepOutputs() {
        kept.release();
    }

    @Override
    public String toString() {
        return "NativeAdd(name=" + vertexName + ", inPlace=" + inPlace + ")";
    }
}
