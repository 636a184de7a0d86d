package org.pot4j.backend.onnx;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.nio.ByteBuffer;
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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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
    private final RunStats stats = new RunStats();
    private final OnnxFeedBuffers feedBuffers;

    OnnxCompiledModel(OrtEnvironment env, OrtSession session, String modelName, List<TensorInfo> inputs,
                      List<String> outputNames) {
        this.env = env;
        this.session = session;
        this.modelName = modelName;
        this.inputs = List.copyOf(inputs);
        this.outputNames = List.copyOf(outputNames);
        this.feedBuffers = new OnnxFeedBuffers(this.inputs.size());
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
        ByteBuffer[] buffers = feedBuffers.acquire();
        try {
            long t0 = System.nanoTime();
            for (int i = 0; i < inputs.size(); i++) {
                Tensor t = batch.get(inputs.get(i).name());
                feeds.put(inputs.get(i).name(), OnnxValues.toOrt(env, t, OnnxFeedBuffers.slot(buffers, i, OnnxValues.byteSize(t))));
            }
            long t1 = System.nanoTime();
            try (OrtSession.Result result = session.run(feeds, new LinkedHashSet<>(outputNames))) {
                long t2 = System.nanoTime();
                Map<String, Tensor> out = new LinkedHashMap<>();
                for (String name : outputNames) {
                    OnnxValue v = result.get(name).orElseThrow();
                    out.put(name, OnnxValues.fromOrt(name, v));
                }
                stats.add(t1 - t0, t2 - t1, System.nanoTime() - t2);
                return out;
            }
        } catch (OrtException | IllegalArgumentException e) {
            throw new Pot4jException(ErrorCode.RUNTIME_FAILURE, "ONNX Runtime failed to run " + modelName + " ("
                    + OnnxGraph.firstLine(e.getMessage()) + ")", e);
        } finally {
            for (OnnxTensor t : feeds.values()) {
                t.close();
            }
            feedBuffers.release(buffers);
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
        stats.log(modelName);
        feedBuffers.clear();
        try {
            session.close();
        } catch (OrtException e) {
            throw new Pot4jException(ErrorCode.RUNTIME_FAILURE, "cannot close the ONNX Runtime session of " + modelName, e);
        }
    }

    /** Where this session's runs spent their time (debug log at close): feeding, ORT's run, fetching the outputs. */
    private static final class RunStats {
        private static final Logger LOG = LoggerFactory.getLogger(OnnxCompiledModel.class);
        private final java.util.concurrent.atomic.LongAdder runs = new java.util.concurrent.atomic.LongAdder();
        private final java.util.concurrent.atomic.LongAdder feed = new java.util.concurrent.atomic.LongAdder();
        private final java.util.concurrent.atomic.LongAdder run = new java.util.concurrent.atomic.LongAdder();
        private final java.util.concurrent.atomic.LongAdder fetch = new java.util.concurrent.atomic.LongAdder();

        void add(long feedNanos, long runNanos, long fetchNanos) {
            runs.increment();
            feed.add(feedNanos);
            run.add(runNanos);
            fetch.add(fetchNanos);
        }

        void log(String modelName) {
            if (LOG.isDebugEnabled() && runs.sum() > 0) {
                LOG.debug("{}: {} runs, feed {} ms, run {} ms, fetch {} ms", modelName, runs.sum(),
                        OnnxTimings.ms(feed.sum()), OnnxTimings.ms(run.sum()), OnnxTimings.ms(fetch.sum()));
            }
        }
    }
}
