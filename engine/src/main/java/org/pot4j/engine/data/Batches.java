package org.pot4j.engine.data;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.pot4j.api.DataType;
import org.pot4j.api.ErrorCode;
import org.pot4j.api.Pot4jException;
import org.pot4j.api.Tensor;
import org.pot4j.api.data.Dataset;
import org.pot4j.api.data.Sample;
import org.pot4j.api.model.Model;
import org.pot4j.api.model.TensorInfo;

/**
 * Turns dataset samples (no batch dimension) into model batches and back. Every algorithm and the
 * evaluator go through here, so binding and validation rules are the same everywhere.
 */
public final class Batches {
    /** Batch size used when the model's batch dimension is dynamic. */
    public static final int DEFAULT_BATCH = 16;

    private Batches() {
    }

    /** The batch size to run {@code model} with: its fixed batch dimension, or {@link #DEFAULT_BATCH}. */
    public static int batchSizeFor(Model model) {
        int size = DEFAULT_BATCH;
        for (TensorInfo in : model.inputs()) {
            long[] s = in.shape();
            if (s.length > 0 && s[0] > 0) {
                size = (int) Math.min(size, s[0]);
            }
        }
        return size;
    }

    /**
     * The batch size to run {@code model} with when the caller asks for {@code requested}: the
     * model's fixed batch dimension when it has one, else {@code requested} (or
     * {@link #DEFAULT_BATCH} when {@code requested <= 0}).
     */
    public static int batchSizeFor(Model model, int requested) {
        int fixed = Integer.MAX_VALUE;
        for (TensorInfo in : model.inputs()) {
            long[] s = in.shape();
            if (s.length > 0 && s[0] > 0) {
                fixed = (int) Math.min(fixed, s[0]);
            }
        }
        if (fixed != Integer.MAX_VALUE) {
            return fixed;
        }
        return requested > 0 ? requested : DEFAULT_BATCH;
    }

    /**
     * Stacks samples into one batch keyed by the model's input names. Sample inputs are bound by
     * name when every model input name is present, else by position.
     */
    public static Map<String, Tensor> stack(List<Sample> samples, List<TensorInfo> modelInputs) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (int i = 0; i < modelInputs.size(); i++) {
            String name = modelInputs.get(i).name();
            List<Tensor> parts = new ArrayList<>(samples.size());
            for (Sample s : samples) {
                parts.add(bind(s, modelInputs, i).withBatchDim());
            }
            out.put(name, Tensor.concat(parts));
        }
        return out;
    }

    /** The sample tensor that feeds model input {@code index}. */
    public static Tensor bind(Sample sample, List<TensorInfo> modelInputs, int index) {
        Map<String, Tensor> in = sample.inputs();
        boolean byName = modelInputs.stream().allMatch(t -> in.containsKey(t.name()));
        if (byName) {
            return in.get(modelInputs.get(index).name());
        }
        if (in.size() != modelInputs.size()) {
            throw new Pot4jException(ErrorCode.DATASET_SHAPE_MISMATCH, "a sample has " + in.size()
                    + " input(s) " + in.keySet() + " but the model takes " + modelInputs.size() + " "
                    + modelInputs.stream().map(TensorInfo::name).toList()
                    + "; name the dataset inputs after the model inputs");
        }
        return new ArrayList<>(in.values()).get(index);
    }

    /** Splits every output of a batch into per-sample tensors with batch dimension 1. */
    public static List<Map<String, Tensor>> split(Map<String, Tensor> batch, int batchSize) {
        List<Map<String, Tensor>> out = new ArrayList<>(batchSize);
        for (int b = 0; b < batchSize; b++) {
            Map<String, Tensor> one = new LinkedHashMap<>();
            for (Map.Entry<String, Tensor> e : batch.entrySet()) {
                Tensor t = e.getValue();
                one.put(e.getKey(), t.rank() > 0 && t.dim(0) == batchSize ? t.slice(b) : t);
            }
            out.add(one);
        }
        return out;
    }

    /**
     * Checks that sample {@code index} of {@code dataset} fits the model inputs (dtype, rank,
     * fixed dimensions) and holds only finite numbers.
     *
     * @throws Pot4jException {@code DATASET_SHAPE_MISMATCH} or {@code DATA_NOT_FINITE}, naming the
     *                        sample and the input
     */
    public static void check(Dataset dataset, int index, Sample sample, List<TensorInfo> modelInputs) {
        for (int i = 0; i < modelInputs.size(); i++) {
            TensorInfo info = modelInputs.get(i);
            Tensor t = bind(sample, modelInputs, i);
            long[] want = info.shape();
            long[] got = t.shape();
            boolean rankOk = want.length == got.length + 1;
            boolean dimsOk = rankOk;
            for (int d = 1; rankOk && d < want.length; d++) {
                dimsOk &= want[d] < 0 || want[d] == got[d - 1];
            }
            if (t.dataType() != info.dataType() || !dimsOk) {
                throw new Pot4jException(ErrorCode.DATASET_SHAPE_MISMATCH, "sample " + index + " of dataset '"
                        + dataset.name() + "' gives input '" + info.name() + "' as " + t.dataType()
                        + Arrays.toString(got) + " but the model expects " + info.dataType()
                        + Arrays.toString(Arrays.copyOfRange(want, Math.min(1, want.length), want.length))
                        + " per sample (without the batch dimension); fix the dataset or its preprocessing");
            }
            if (t.dataType() == DataType.FLOAT32) {
                float[] f = t.floats();
                for (int k = 0; k < f.length; k++) {
                    if (!Float.isFinite(f[k])) {
                        throw new Pot4jException(ErrorCode.DATA_NOT_FINITE, "sample " + index + " of dataset '"
                                + dataset.name() + "' has " + f[k] + " in input '" + info.name()
                                + "' at element " + k + "; remove or repair that sample");
                    }
                }
            }
        }
    }
}
