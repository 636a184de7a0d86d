package org.pot4j.backend.onnx;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.pot4j.api.ErrorCode;
import org.pot4j.api.Pot4jException;
import org.pot4j.api.Tensor;
import org.pot4j.api.model.CompiledModel;
import org.pot4j.api.model.TensorInfo;

/**
 * An ONNX Runtime session over a (possibly quantized) copy of a model. {@link #infer} is thread-safe:
 * ORT sessions may run concurrently.
 */
final class OnnxCompiledModel implements CompiledModel {
    private final OrtEnvironment env;
    private final OrtSession session;
    private final String modelName;
    private final List<TensorInfo> inputs;
    private final List<String> outputNames;
    private final AtomicBoolean closed = new AtomicBoolean();

    OnnxCompiledModel(OrtEnvironment env, OrtSession session, String modelName, List<TensorInfo> inputs,
                      List<String> outputNames) {
        this.env = env;
        this.session = session;
        this.modelName = modelName;
        this.inputs = List.copyOf(inputs);
        this.outputNames = List.copyOf(outputNames);
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
    public Map<String, Tensor> infer(Map<String, Tensor> batch) {
        if (closed.get()) {
            throw new IllegalStateException(modelName + " was closed");
        }
        check(batch);
        Map<String, OnnxTensor> feeds = new LinkedHashMap<>();
        try {
            for (TensorInfo in : inputs) {
                feeds.put(in.name(), OnnxValues.toOrt(env, batch.get(in.name())));
            }
            try (OrtSession.Result result = session.run(feeds, new LinkedHashSet<>(outputNames))) {
                Map<String, Tensor> out = new LinkedHashMap<>();
                for (String name : outputNames) {
                    OnnxValue v = result.get(name).orElseThrow();
                    out.put(name, OnnxValues.fromOrt(name, v));
                }
                return out;
            }
        } catch (OrtException | IllegalArgumentException e) {
            throw new Pot4jException(ErrorCode.RUNTIME_FAILURE, "ONNX Runtime failed to run " + modelName + " ("
                    + OnnxGraph.firstLine(e.getMessage()) + ")", e);
        } finally {
            for (OnnxTensor t : feeds.values()) {
                t.close();
            }
        }
    }

    private void check(Map<String, Tensor> batch) {
        for (String name : batch.keySet()) {
            if (inputs.stream().noneMatch(i -> i.name().equals(name))) {
                throw new Pot4jException(ErrorCode.DATASET_SHAPE_MISMATCH, modelName + " has no input '" + name
                        + "'; its inputs are " + inputNames());
            }
        }
        for (TensorInfo in : inputs) {
            Tensor t = batch.get(in.name());
            if (t == null) {
                throw new Pot4jException(ErrorCode.DATASET_SHAPE_MISMATCH, "input '" + in.name() + "' of " + modelName
                        + " is missing; the batch gives " + new ArrayList<>(batch.keySet()) + ", expected " + inputNames());
            }
            long[] want = in.shape();
            long[] got = t.shape();
            boolean ok = t.dataType() == in.dataType() && want.length == got.length;
            for (int d = 0; ok && d < want.length; d++) {
                ok = want[d] < 0 || want[d] == got[d];
            }
            if (!ok) {
                throw new Pot4jException(ErrorCode.DATASET_SHAPE_MISMATCH, "input '" + in.name() + "' of " + modelName
                        + " expects " + in.dataType() + Arrays.toString(want).replace("-1", "?") + " but got "
                        + t.dataType() + Arrays.toString(got) + "; fix the dataset or its preprocessing");
            }
        }
    }

    @Override
    public void close() {
        if (closed.getAndSet(true)) {
            return;
        }
        try {
            session.close();
        } catch (OrtException e) {
            throw new Pot4jException(ErrorCode.RUNTIME_FAILURE, "cannot close the ONNX Runtime session of " + modelName, e);
        }
    }
}
