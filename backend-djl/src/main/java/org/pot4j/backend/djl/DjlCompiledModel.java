package org.pot4j.backend.djl;

import ai.djl.engine.EngineException;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtModel;
import ai.djl.training.ParameterStore;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.pot4j.api.DataType;
import org.pot4j.api.ErrorCode;
import org.pot4j.api.Pot4jException;
import org.pot4j.api.Tensor;
import org.pot4j.api.model.CompiledModel;
import org.pot4j.api.model.TensorInfo;

/** A TorchScript module loaded in libtorch; {@link #infer} runs the block's forward directly (no translator). */
final class DjlCompiledModel implements CompiledModel {
    private final PtModel model;
    private final List<TensorInfo> inputs;
    private final List<String> outputNames;
    private final String displayName;
    private volatile boolean closed;

    DjlCompiledModel(PtModel model, List<TensorInfo> inputs, List<String> outputNames, String displayName) {
        this.model = model;
        this.inputs = inputs;
        this.outputNames = List.copyOf(outputNames);
        this.displayName = displayName;
    }

    @Override
    public List<String> inputNames() {
        return inputs.stream().map(TensorInfo::name).toList();
    }

    @Override
    public List<String> outputNames() {
        return outputNames;
    }

    @Override
    public Map<String, Tensor> infer(Map<String, Tensor> feed) {
        if (closed) {
            throw new IllegalStateException("compiled model of " + displayName + " is closed");
        }
        try (NDManager mgr = model.getNDManager().newSubManager()) {
            NDList in = new NDList();
            for (TensorInfo info : inputs) {
                Tensor t = feed.get(info.name());
                if (t == null) {
                    throw new Pot4jException(ErrorCode.DATASET_SHAPE_MISMATCH, displayName + " needs input '" + info.name()
                            + "' but the batch has " + feed.keySet());
                }
                check(info, t);
                in.add(toNd(mgr, t));
            }
            NDList out;
            try {
                out = model.getBlock().forward(new ParameterStore(mgr, false), in, false);
            } catch (EngineException | IllegalArgumentException e) {
                throw new Pot4jException(ErrorCode.RUNTIME_FAILURE, "libtorch failed running " + displayName + ": "
                        + DjlRuntime.firstLine(e), e);
            }
            if (out.size() != outputNames.size()) {
                throw new Pot4jException(ErrorCode.RUNTIME_FAILURE, displayName + " returned " + out.size()
                        + " outputs, expected " + outputNames.size() + " " + outputNames);
            }
            Map<String, Tensor> result = new LinkedHashMap<>();
            for (int i = 0; i < out.size(); i++) {
                result.put(outputNames.get(i), fromNd(out.get(i)));
            }
            return result;
        }
    }

    private void check(TensorInfo info, Tensor t) {
        long[] want = info.shape();
        long[] got = t.shape();
        boolean ok = t.dataType() == info.dataType() && want.length == got.length;
        for (int d = 0; ok && d < want.length; d++) {
            ok = want[d] < 0 || want[d] == got[d];
        }
        if (!ok) {
            throw new Pot4jException(ErrorCode.DATASET_SHAPE_MISMATCH, displayName + " input '" + info.name() + "' is "
                    + t.dataType() + Arrays.toString(got) + " but the model takes " + info.dataType()
                    + Arrays.toString(want) + "; fix the data or the model option input_shapes");
        }
    }

    private static NDArray toNd(NDManager mgr, Tensor t) {
        Shape shape = new Shape(t.shape());
        return switch (t.dataType()) {
            case FLOAT32 -> mgr.create(t.floats(), shape);
            case FLOAT64 -> mgr.create(t.doubles(), shape);
            case INT64 -> mgr.create(t.longs(), shape);
            case INT32 -> mgr.create(t.ints(), shape);
            case INT8 -> mgr.create(ByteBuffer.wrap(t.bytes()), shape, ai.djl.ndarray.types.DataType.INT8);
            case UINT8 -> mgr.create(ByteBuffer.wrap(t.bytes()), shape, ai.djl.ndarray.types.DataType.UINT8);
            case BOOL -> mgr.create(ByteBuffer.wrap(t.bytes()), shape, ai.djl.ndarray.types.DataType.BOOLEAN);
        };
    }

    private static Tensor fromNd(NDArray a) {
        long[] shape = a.getShape().getShape();
        return switch (a.getDataType()) {
            case FLOAT32 -> Tensor.ofFloats(shape, a.toFloatArray());
            case FLOAT64 -> Tensor.ofDoubles(shape, a.toDoubleArray());
            case INT64 -> Tensor.ofLongs(shape, a.toLongArray());
            case INT32 -> Tensor.ofInts(shape, a.toIntArray());
            case INT8 -> Tensor.ofBytes(shape, DataType.INT8, a.toByteArray());
            case UINT8 -> Tensor.ofBytes(shape, DataType.UINT8, a.toByteArray());
            case BOOLEAN -> Tensor.ofBytes(shape, DataType.BOOL, a.toByteArray());
            default -> Tensor.ofFloats(shape, a.toType(ai.djl.ndarray.types.DataType.FLOAT32, false).toFloatArray());
        };
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            model.close();
        }
    }
}
