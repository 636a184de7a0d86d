package org.pot4j.engine.evaluation.executor;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import org.pot4j.api.ErrorCode;
import org.pot4j.api.Pot4jException;
import org.pot4j.api.ProgressListener;
import org.pot4j.api.Tensor;
import org.pot4j.api.data.Dataset;
import org.pot4j.api.model.Model;
import org.pot4j.engine.Pot4j;
import org.pot4j.engine.evaluation.InferenceLoop;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The worker side of a remote executor: re-creates what an {@link EvaluationTask} describes on
 * this JVM and runs it. The model is loaded through the same backend plugin and the dataset opened
 * through the same {@code DatasetProvider} as on the driver (plugins found by ServiceLoader on this
 * JVM's class path and {@code plugins/}); both are kept for the next task of the same model and
 * dataset (a Spark executor runs many partitions and iterations). Inference goes through the
 * engine's one {@link InferenceLoop} in the task's batch size, so a partition that starts at a
 * multiple of the batch size gives the same bits as the local run. Thread-safe.
 */
public final class TaskRunner implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(TaskRunner.class);

    private final Pot4j engine;
    private final Map<ModelDescriptor, Model> models = new ConcurrentHashMap<>();
    private final Map<DatasetDescriptor, Dataset> datasets = new ConcurrentHashMap<>();

    /** A runner over an engine built on this JVM (e.g. {@code Pot4j.builder().pluginDirs(...).build()}). */
    public TaskRunner(Pot4j engine) {
        this.engine = Objects.requireNonNull(engine, "engine");
    }

    /**
     * Runs {@code task} and returns every sample's outputs, in the task's sample order, in
     * serializable form.
     *
     * @throws Pot4jException the same errors as a local run (bad sample, runtime failure...)
     */
    public List<List<TensorData>> run(EvaluationTask task) {
        return TensorData.ofSamples(outputs(task));
    }

    /** As {@link #run}, as tensors. */
    public List<List<Tensor>> outputs(EvaluationTask task) {
        if (!task.remotable()) {
            throw new Pot4jException(ErrorCode.INTERNAL, task + " has no model or dataset descriptor; it can only run in-process");
        }
        Model model = models.computeIfAbsent(task.model(), d -> engine.loadModel(Path.of(d.path()), d.backend(), d.loadOptions()));
        Dataset dataset = datasets.computeIfAbsent(task.dataset(), d -> engine.openDataset(d.spec(), Path.of(d.baseDir())));
        List<List<Tensor>> out = new ArrayList<>(Collections.nCopies(task.size(), null));
        new LocalEvaluationExecutor().run(task, new LiveInputs(model, task.plan(), dataset, ProgressListener.NONE,
                InferenceLoop.SampleCheck.ALWAYS), (worker, from, outputs, samples) -> {
                    synchronized (out) {
                        for (int j = 0; j < outputs.size(); j++) {
                            out.set(from + j, outputs.get(j));
                        }
                    }
                });
        LOG.debug("{}: {} samples done", task.stage(), task.size());
        return out;
    }

    /** Closes the models this runner loaded. */
    @Override
    public void close() {
        for (Model m : models.values()) {
            try {
                m.close();
            } catch (RuntimeException e) {
                LOG.warn("closing {} failed: {}", m.path(), e.toString());
            }
        }
        models.clear();
        datasets.clear();
    }
}
