package org.pot4j.backend.tensorflow;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.pot4j.api.ErrorCode;
import org.pot4j.api.Pot4jException;
import org.pot4j.api.Tensor;
import org.pot4j.api.model.CompiledModel;
import org.tensorflow.Graph;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.proto.ConfigProto;
import org.tensorflow.proto.GraphDef;

/**
 * A rewritten graph in its own TensorFlow {@link Session}. TensorFlow sessions accept concurrent
 * {@code run} calls (the C API documents {@code TF_SessionRun} as thread-safe), so {@link #infer}
 * may be called from several threads; {@link #close} must not race with running calls.
 */
final class TfCompiledModel implements CompiledModel {
    private final Graph graph;
    private final Session session;
    private final List<TfEndpoint> inputs;
    private final List<String> outputNames = new ArrayList<>();
    private final List<String> fetches = new ArrayList<>();
    private final Path modelPath;
    private final AtomicBoolean closed = new AtomicBoolean();

    TfCompiledModel(TfPlanApplier.Result rewritten, List<TfEndpoint> inputs, List<TfEndpoint> outputs,
                    ConfigProto config, Path modelPath) {
        this.inputs = List.copyOf(inputs);
        this.modelPath = modelPath;
        for (int i = 0; i < outputs.size(); i++) {
            outputNames.add(outputs.get(i).key());
            fetches.add(rewritten.outputTensors().get(i));
        }
        rewritten.extraTensors().forEach((name, tensor) -> {
            outputNames.add(name);
            fetches.add(tensor);
        });
        GraphDef def = rewritten.graph();
        Graph g = new Graph();
        try {
            g.importGraphDef(def);
            this.session = new Session(g, config);
        } catch (RuntimeException e) {
            g.close();
            throw new Pot4jException(ErrorCode.RUNTIME_FAILURE, modelPath + ": TensorFlow rejected the rewritten graph ("
                    + TfErrors.firstLine(e) + ")", e);
        }
        this.graph = g;
    }

    @Override
    public List<String> inputNames() {
        return inputs.stream().map(TfEndpoint::key).toList();
    }

    @Override
    public List<String> outputNames() {
        return List.copyOf(outputNames);
    }

    @Override
    public Map<String, Tensor> infer(Map<String, Tensor> batch) {
        if (closed.get()) {
            throw new IllegalStateException("compiled model of " + modelPath + " is closed");
        }
        List<org.tensorflow.Tensor> fed = new ArrayList<>();
        try {
            Session.Runner runner = session.runner();
            for (TfEndpoint in : inputs) {
                Tensor t = input(batch, in);
                org.tensorflow.Tensor tf = TfTensors.toTf(t);
                fed.add(tf);
                runner.feed(in.tensor(), tf);
            }
            // TensorFlow refuses to fetch a fed tensor: a requested model input is answered from the batch
            Map<String, Tensor> echoed = new LinkedHashMap<>();
            List<String> fetchedTensors = new ArrayList<>();
            for (int i = 0; i < fetches.size(); i++) {
                TfEndpoint in = fedInput(fetches.get(i));
                if (in != null) {
                    echoed.put(outputNames.get(i), input(batch, in));
                } else if (!fetchedTensors.contains(fetches.get(i))) {
                    runner.fetch(fetches.get(i));
                    fetchedTensors.add(fetches.get(i));
                }
            }
            Map<String, Tensor> out = new LinkedHashMap<>();
            if (fetchedTensors.isEmpty()) {
                outputNames.forEach(n -> out.put(n, echoed.get(n)));
                return out;
            }
            try (Result r = runner.run()) {
                Map<String, Tensor> byTensor = new LinkedHashMap<>();
                for (int k = 0; k < fetchedTensors.size(); k++) {
                    byTensor.put(fetchedTensors.get(k), TfTensors.fromTf(r.get(k)));
                }
                for (int i = 0; i < outputNames.size(); i++) {
                    String n = outputNames.get(i);
                    out.put(n, echoed.containsKey(n) ? echoed.get(n) : byTensor.get(fetches.get(i)));
                }
                return out;
            }
        } catch (Pot4jException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new Pot4jException(ErrorCode.RUNTIME_FAILURE, modelPath + ": TensorFlow failed to run a batch ("
                    + TfErrors.firstLine(e) + ")", e);
        } finally {
            fed.forEach(org.tensorflow.Tensor::close);
        }
    }

    private TfEndpoint fedInput(String tensor) {
        for (TfEndpoint in : inputs) {
            if (in.tensor().equals(tensor)) {
                return in;
            }
        }
        return null;
    }

    /** The batch tensor for {@code in}, checked against the model's type and fixed dimensions. */
    private Tensor input(Map<String, Tensor> batch, TfEndpoint in) {
        Tensor t = batch.get(in.key());
        if (t == null && inputs.size() == 1 && batch.size() == 1) {
            t = batch.values().iterator().next();
        }
        if (t == null) {
            throw new Pot4jException(ErrorCode.DATASET_SHAPE_MISMATCH, "no tensor for input '" + in.key() + "' of " + modelPath
                    + "; the batch has " + batch.keySet());
        }
        if (t.dataType() != in.dataType()) {
            throw new Pot4jException(ErrorCode.DATASET_SHAPE_MISMATCH, "input '" + in.key() + "' of " + modelPath + " takes "
                    + in.dataType() + " but the data is " + t.dataType());
        }
        long[] want = in.shape();
        long[] got = t.shape();
        boolean ok = want.length == 0 || want.length == got.length;
        for (int d = 0; ok && want.length > 0 && d < want.length; d++) {
            ok = want[d] < 0 || want[d] == got[d];
        }
        if (!ok) {
            throw new Pot4jException(ErrorCode.DATASET_SHAPE_MISMATCH, "input '" + in.key() + "' of " + modelPath + " has shape "
                    + Arrays.toString(want) + " (-1 = any) but the batch is " + Arrays.toString(got)
                    + "; TensorFlow models here are NHWC, check the dataset's channels_first setting");
        }
        return t;
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            session.close();
            graph.close();
        }
    }
}
