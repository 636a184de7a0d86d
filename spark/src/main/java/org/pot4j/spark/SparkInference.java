package org.pot4j.spark;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.IntStream;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.storage.StorageLevel;
import org.pot4j.api.Pot4jException;
import org.pot4j.api.Tensor;
import org.pot4j.api.model.Model;
import org.pot4j.api.quant.QuantizationPlan;
import org.pot4j.engine.config.PlanJson;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The driver side: runs one inference pass (a plan over some samples of a dataset) as a Spark job
 * and returns every sample's outputs in sample order. Each model is broadcast once; FP32 passes
 * (the empty plan) are persisted on the cluster and served from there when asked again, so
 * AccuracyAware never recomputes the FP32 model.
 */
public final class SparkInference implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SparkInference.class);

    private final JavaSparkContext sc;
    private final boolean ownsContext;
    private final List<String> pluginDirs;
    private final int tasksPerCore;
    private final Map<Model, Broadcast<ModelShipment>> broadcasts = Collections.synchronizedMap(new IdentityHashMap<>());
    private final Map<String, JavaRDD<ChunkResult>> fp32 = new ConcurrentHashMap<>();
    private volatile long bytesCollected;

    /**
     * @param sc           the Spark context (stopped by {@link #close} only when {@code ownsContext})
     * @param ownsContext  whether this object created it
     * @param pluginDirs   pot4j plugin folders as seen from the executors (may be empty)
     * @param tasksPerCore tasks per pass per executor core (more = better balance, more per-task setup)
     */
    public SparkInference(JavaSparkContext sc, boolean ownsContext, List<String> pluginDirs, int tasksPerCore) {
        this.sc = sc;
        this.ownsContext = ownsContext;
        this.pluginDirs = List.copyOf(pluginDirs);
        this.tasksPerCore = Math.max(1, tasksPerCore);
    }

    /** Starts (or joins, under spark-submit) a Spark context with {@code master} and {@code conf}. */
    public static SparkInference start(String master, Map<String, String> conf, List<String> pluginDirs) {
        SparkConf sparkConf = new SparkConf().setAppName("pot4j");
        if (master != null && !master.isBlank()) {
            sparkConf.setMaster(master);
        }
        conf.forEach(sparkConf::set);
        sparkConf.setIfMissing("spark.ui.enabled", "false");
        JavaSparkContext sc = JavaSparkContext.fromSparkContext(org.apache.spark.SparkContext.getOrCreate(sparkConf));
        return new SparkInference(sc, true, pluginDirs, 2);
    }

    /** The Spark context. */
    public JavaSparkContext context() {
        return sc;
    }

    /** Bytes of model outputs collected on the driver so far (payload only). */
    public long bytesCollected() {
        return bytesCollected;
    }

    /**
     * Runs {@code model} under {@code plan} over the samples {@code indices} of the dataset opened
     * on each executor from {@code datasetSpec}.
     *
     * @param modelPath  where the driver loaded the model from
     * @param backend    the backend that loaded it
     * @param options    its load options
     * @param batch      the batch size the local evaluator uses for this model (chunks are whole batches)
     * @return per sample (in {@code indices} order) its outputs in model output order
     * @throws Pot4jException the first failed chunk's error, as the local evaluator raises it
     */
    public List<List<Tensor>> infer(Model model, Path modelPath, String backend, Map<String, Object> options,
            QuantizationPlan plan, Map<String, Object> datasetSpec, Path baseDir, int[] indices, int batch, String stage) {
        int n = indices.length;
        DatasetShipment ds = DatasetShipment.of(datasetSpec, baseDir);
        Broadcast<ModelShipment> shipment = broadcast(model, modelPath, backend, options);
        int batches = (n + batch - 1) / batch;
        int tasks = Math.max(1, Math.min(batches, sc.defaultParallelism() * tasksPerCore));
        int chunkSize = batch * ((batches + tasks - 1) / tasks);
        int chunks = (n + chunkSize - 1) / chunkSize;
        String planJson = PlanJson.write(plan);
        String key = shipment.value().id + "|" + ds.id + "|" + Arrays.hashCode(indices) + "|" + n + "|" + chunkSize;
        JavaRDD<ChunkResult> rdd = plan.isEmpty() ? fp32.get(key) : null;
        if (rdd == null) {
            sc.setJobDescription(stage);
            rdd = sc.parallelize(IntStream.range(0, chunks).boxed().toList(), chunks)
                    .mapPartitions(new InferTask(shipment, planJson, ds, indices.clone(), chunkSize, batch, stage, pluginDirs));
            if (plan.isEmpty()) {
                rdd = rdd.persist(StorageLevel.MEMORY_AND_DISK());
                fp32.put(key, rdd);
            }
        } else {
            LOG.debug("{}: FP32 outputs served from the persisted RDD", stage);
        }
        List<ChunkResult> results = new ArrayList<>(rdd.collect());
        results.sort((a, b) -> Integer.compare(a.chunk(), b.chunk()));
        List<List<Tensor>> out = new ArrayList<>(n);
        long bytes = 0;
        for (ChunkResult r : results) {
            if (r.failed()) {
                if (plan.isEmpty()) {
                    fp32.remove(key).unpersist(false);
                }
                throw new Pot4jException(r.errorCode(), r.errorMessage());
            }
            for (List<WireTensor> one : r.outputs()) {
                out.add(WireTensor.toTensors(one));
                for (WireTensor w : one) {
                    bytes += w.payloadBytes();
                }
            }
        }
        bytesCollected += bytes;
        LOG.debug("{}: {} samples in {} tasks, {} bytes of outputs collected", stage, n, chunks, bytes);
        return out;
    }

    private Broadcast<ModelShipment> broadcast(Model model, Path modelPath, String backend, Map<String, Object> options) {
        synchronized (broadcasts) {
            Broadcast<ModelShipment> b = broadcasts.get(model);
            if (b == null) {
                ModelShipment s = ModelShipment.of(modelPath, backend, options, model.sourceFiles());
                LOG.info("pot4j-spark: broadcasting model {} ({} bytes, backend {})", modelPath.getFileName(), s.bytes(), backend);
                b = sc.broadcast(s);
                broadcasts.put(model, b);
            }
            return b;
        }
    }

    /** Drops the persisted FP32 outputs and broadcasts; stops the context when this object started it. */
    @Override
    public void close() {
        fp32.values().forEach(r -> r.unpersist(false));
        fp32.clear();
        broadcasts.values().forEach(b -> b.destroy());
        broadcasts.clear();
        if (ownsContext) {
            sc.stop();
        }
    }
}
