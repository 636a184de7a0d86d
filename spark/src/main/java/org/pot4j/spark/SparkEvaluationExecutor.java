package org.pot4j.spark;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.IntStream;
import org.apache.spark.SparkConf;
import org.apache.spark.SparkContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.storage.StorageLevel;
import org.apache.spark.util.LongAccumulator;
import org.pot4j.api.Pot4jException;
import org.pot4j.api.ProgressListener;
import org.pot4j.engine.evaluation.executor.EvaluationExecutor;
import org.pot4j.engine.evaluation.executor.EvaluationTask;
import org.pot4j.engine.evaluation.executor.LiveInputs;
import org.pot4j.engine.evaluation.executor.ModelDescriptor;
import org.pot4j.engine.evaluation.executor.OutputSink;
import org.pot4j.engine.evaluation.executor.TensorData;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code engine.executor.type: spark}: each evaluation pass is one Spark job. The model's files are
 * broadcast once per model; the task (plan JSON, dataset spec, sample indices) travels with the
 * closure; the samples are cut into chunks of whole batches, one Spark partition each; each
 * executor re-creates the model through the same backend plugin and opens the dataset through the
 * same {@code DatasetProvider}; the outputs come back to the driver, which hands them to the
 * evaluator in sample order (it reads the annotations and runs the metrics, so values, rankings
 * and reverted nodes are those of a local run).
 *
 * <p>FP32 passes (the empty plan) are persisted on the cluster ({@code MEMORY_AND_DISK}): asked
 * again for the same samples, the outputs are read from there, not recomputed.
 */
final class SparkEvaluationExecutor implements EvaluationExecutor {
    static final String TYPE = "spark";
    private static final Logger LOG = LoggerFactory.getLogger(SparkEvaluationExecutor.class);
    private static final String EMPTY_PLAN = org.pot4j.engine.config.PlanJson.write(org.pot4j.api.quant.QuantizationPlan.EMPTY);

    /** Samples inferred by the executors of this JVM's closed Spark executors (for tests and benchmarks). */
    private static final AtomicLong CLOSED_SAMPLES = new AtomicLong();

    private final JavaSparkContext sc;
    private final boolean ownsContext;
    private final List<String> pluginDirs;
    private final int tasksPerCore;
    private final Map<ModelDescriptor, Broadcast<ModelShipment>> broadcasts = new ConcurrentHashMap<>();
    private final Map<String, JavaRDD<ChunkResult>> fp32 = new ConcurrentHashMap<>();
    private final AtomicLong bytesCollected = new AtomicLong();
    private final AtomicLong jobs = new AtomicLong();
    private final LongAccumulator samplesInferred;

    SparkEvaluationExecutor(JavaSparkContext sc, boolean ownsContext, List<String> pluginDirs, int tasksPerCore) {
        this.sc = Objects.requireNonNull(sc, "sc");
        this.ownsContext = ownsContext;
        this.pluginDirs = List.copyOf(pluginDirs);
        this.tasksPerCore = Math.max(1, tasksPerCore);
        this.samplesInferred = sc.sc().longAccumulator("pot4j samples inferred");
    }

    /**
     * Joins the running Spark context (under {@code spark-submit} or an application that made one)
     * or starts one with {@code master} (null: from {@code spark.master}, as spark-submit sets it)
     * and {@code conf}.
     */
    static SparkEvaluationExecutor start(String master, Map<String, String> conf, List<String> pluginDirs, int tasksPerCore) {
        // getActive is private[spark] in Scala, public in the bytecode: the only way to know whether a context runs already
        boolean existed = org.apache.spark.SparkContext$.MODULE$.getActive().isDefined();
        SparkConf sparkConf = new SparkConf().setAppName("pot4j");
        if (master != null && !master.isBlank()) {
            sparkConf.setMaster(master);
        }
        conf.forEach(sparkConf::set);
        sparkConf.setIfMissing("spark.ui.enabled", "false");
        JavaSparkContext sc = JavaSparkContext.fromSparkContext(SparkContext.getOrCreate(sparkConf));
        LOG.info("pot4j-spark: {} Spark context, master {}, default parallelism {}", existed ? "joined the" : "started a",
                sc.master(), sc.defaultParallelism());
        return new SparkEvaluationExecutor(sc, !existed, pluginDirs, tasksPerCore);
    }

    @Override
    public String type() {
        return TYPE;
    }

    @Override
    public boolean inProcess() {
        return false;
    }

    /** The Spark context. */
    JavaSparkContext context() {
        return sc;
    }

    /** Payload bytes of model outputs collected on the driver so far. */
    long bytesCollected() {
        return bytesCollected.get();
    }

    /** Spark jobs run so far (FP32 passes served from the persisted RDD run a job without inference). */
    long jobs() {
        return jobs.get();
    }

    /** Samples inferred by every Spark executor of this JVM that was closed. */
    static long samplesInferredByClosedExecutors() {
        return CLOSED_SAMPLES.get();
    }

    /** Samples the executors ran the model on (an FP32 pass read from the persisted RDD adds none). */
    long samplesInferred() {
        return samplesInferred.value();
    }

    @Override
    public void run(EvaluationTask task, LiveInputs live, OutputSink sink) {
        int n = task.size();
        int batch = task.batchSize();
        int batches = (n + batch - 1) / batch;
        int tasks = Math.max(1, Math.min(batches, sc.defaultParallelism() * tasksPerCore));
        int chunkSize = batch * ((batches + tasks - 1) / tasks);
        int chunks = (n + chunkSize - 1) / chunkSize;
        boolean isFp32 = task.planJson().equals(EMPTY_PLAN);
        String key = task.model() + "|" + task.dataset() + "|" + Arrays.hashCode(task.indices()) + "|" + n + "|"
                + task.outputNames() + "|" + chunkSize;
        ProgressListener progress = live.progress();
        progress.stageStarted(task.stage(), n);
        try {
            JavaRDD<ChunkResult> rdd = isFp32 ? fp32.get(key) : null;
            if (rdd == null) {
                Broadcast<ModelShipment> model = broadcast(task.model(), live);
                rdd = sc.parallelize(IntStream.range(0, chunks).boxed().toList(), chunks)
                        .mapPartitions(new PartitionTask(model, task, chunkSize, pluginDirs, samplesInferred));
                if (isFp32) {
                    rdd = rdd.persist(StorageLevel.MEMORY_AND_DISK());
                    fp32.put(key, rdd);
                }
            } else {
                LOG.debug("{}: FP32 outputs read from the persisted RDD", task.stage());
            }
            sc.setJobDescription(task.stage());
            jobs.incrementAndGet();
            List<ChunkResult> results = new ArrayList<>(rdd.collect());
            results.sort((a, b) -> Integer.compare(a.chunk(), b.chunk()));
            long done = 0;
            for (ChunkResult r : results) {
                if (r.failed()) {
                    if (isFp32) {
                        fp32.remove(key).unpersist(false);
                    }
                    throw new Pot4jException(r.errorCode(), r.errorMessage());
                }
                bytesCollected.addAndGet(r.payloadBytes());
                sink.accept(0, r.from(), TensorData.toSamples(r.outputs()), null);
                done += r.outputs().size();
                progress.progress(task.stage(), done, n);
            }
            LOG.debug("{}: {} samples in {} Spark tasks", task.stage(), n, chunks);
        } finally {
            progress.stageFinished(task.stage());
        }
    }

    private Broadcast<ModelShipment> broadcast(ModelDescriptor descriptor, LiveInputs live) {
        return broadcasts.computeIfAbsent(descriptor, d -> {
            ModelShipment s = ModelShipment.of(d, live.model().sourceFiles());
            LOG.info("pot4j-spark: broadcasting model {} ({} bytes, backend {})", d.path(), s.bytes(), d.backend());
            return sc.broadcast(s);
        });
    }

    /** Drops the persisted FP32 outputs and the broadcasts; stops the context when this executor started it. */
    @Override
    public void close() {
        CLOSED_SAMPLES.addAndGet(samplesInferred.value());
        LOG.info("pot4j-spark: {} Spark jobs, {} samples inferred on the executors, {} bytes of outputs collected", jobs.get(),
                samplesInferred.value(), bytesCollected.get());
        fp32.values().forEach(r -> r.unpersist(false));
        fp32.clear();
        broadcasts.values().forEach(b -> b.destroy());
        broadcasts.clear();
        if (ownsContext) {
            sc.stop();
        }
    }
}
