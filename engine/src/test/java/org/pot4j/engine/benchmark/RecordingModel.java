package org.pot4j.engine.benchmark;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.pot4j.api.DataType;
import org.pot4j.api.Tensor;
import org.pot4j.api.model.CompiledModel;
import org.pot4j.api.model.Model;
import org.pot4j.api.model.QuantizableNode;
import org.pot4j.api.model.TensorInfo;
import org.pot4j.api.quant.QuantizationPlan;

/**
 * A small pure-Java model for engine tests: sums every float input row-wise into one output, and
 * remembers the batches it was given and the plans it was compiled with.
 */
final class RecordingModel implements Model {
    final List<TensorInfo> inputs;
    final List<Map<String, Tensor>> seen = new ArrayList<>();
    final List<QuantizationPlan> plans = new ArrayList<>();
    int open;
    /** When set, every infer call appends this model's tag here (to check call order across models). */
    List<String> callLog;
    String tag = "?";

    RecordingModel(List<TensorInfo> inputs) {
        this.inputs = inputs;
    }

    @Override
    public Path path() {
        return Path.of("recording-" + System.identityHashCode(this));
    }

    @Override
    public String backendName() {
        return "java";
    }

    @Override
    public List<TensorInfo> inputs() {
        return inputs;
    }

    @Override
    public List<TensorInfo> outputs() {
        return List.of(new TensorInfo("sum", DataType.FLOAT32, new long[] {-1}));
    }

    @Override
    public List<QuantizableNode> quantizableNodes() {
        return List.of();
    }

    @Override
    public Tensor weight(QuantizableNode node) {
        throw new UnsupportedOperationException();
    }

    @Override
    public Tensor bias(QuantizableNode node) {
        return null;
    }

    @Override
    public CompiledModel compile(QuantizationPlan plan, Set<String> extraOutputs) {
        plans.add(plan);
        open++;
        return new CompiledModel() {
            @Override
            public List<String> inputNames() {
                return inputs.stream().map(TensorInfo::name).toList();
            }

            @Override
            public List<String> outputNames() {
                return List.of("sum");
            }

            @Override
            public Map<String, Tensor> infer(Map<String, Tensor> batch) {
                seen.add(batch);
                if (callLog != null) {
                    callLog.add(tag);
                }
                Tensor first = batch.values().iterator().next();
                int rows = (int) first.dim(0);
                int per = first.size() / rows;
                float[] out = new float[rows];
                for (int r = 0; r < rows; r++) {
                    for (int k = 0; k < per; k++) {
                        out[r] += (float) first.getDouble(r * per + k);
                    }
                }
                return Map.of("sum", Tensor.ofFloats(new long[] {rows}, out));
            }

            @Override
            public void close() {
                open--;
            }
        };
    }

    @Override
    public void save(QuantizationPlan plan, Path target) {
        throw new UnsupportedOperationException();
    }

    @Override
    public long sizeOnDisk() {
        return 1234;
    }
}
