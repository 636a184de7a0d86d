package org.pot4j.engine.algorithms.accuracyaware;

import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.TreeSet;
import org.pot4j.api.ErrorCode;
import org.pot4j.api.Pot4jException;
import org.pot4j.api.ProgressListener;
import org.pot4j.api.data.Dataset;
import org.pot4j.api.model.Model;
import org.pot4j.api.quant.AccuracyTargetMissedException;
import org.pot4j.api.quant.AlgorithmContext;
import org.pot4j.api.quant.QuantizationAlgorithm;
import org.pot4j.api.quant.QuantizationAlgorithmProvider;
import org.pot4j.api.quant.QuantizationPlan;
import org.pot4j.api.quant.QuantizationResult;
import org.pot4j.engine.algorithms.AlgorithmSupport;
import org.pot4j.engine.evaluation.Evaluator;
import org.pot4j.engine.report.AccuracyAwareHtmlReport;
import org.pot4j.engine.report.ReportJson;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * POT's AccuracyAwareQuantization (NNCF's {@code quantize_with_accuracy_control}), backend-neutral:
 * quantize with the base algorithm, then revert the most harmful nodes to FP32 until every
 * controlled metric is within {@code maximal_drop} of the FP32 model.
 *
 * <ol>
 * <li>Run {@code base_algorithm} (default DefaultQuantization; all its parameters pass through).</li>
 * <li>Evaluate FP32 and INT8 on the validation set; the {@code ranking_subset_size} samples whose
 * per-sample metric (or, for metrics without per-sample values, output NMSE) differs most form the
 * ranking subset (ties to the lower index). With {@code baseline_value} for every controlled metric,
 * FP32 runs only on {@code metric_subset_ratio} of the samples, spread evenly.</li>
 * <li>{@code convert_to_mixed_preset}: if the drop is not met, re-run the base with
 * {@code preset: mixed} and continue from that plan (POT); skipped, with a message, when the
 * preset already is mixed.</li>
 * <li>Rank: revert each quantized node alone (with its quantizer group) and score on the subset
 * (metric sum when per-sample, NMSE to FP32 otherwise; NMSE also breaks metric ties), in parallel.</li>
 * <li>Revert the top node; evaluate on the full validation set. The node's own bias shift goes, the
 * other nodes keep theirs (no statistics pass per iteration; see {@link NodeReverter}).</li>
 * <li>Stop when every controlled metric's drop is at most {@code maximal_drop}.</li>
 * <li>When a revert does not lower the (largest) drop, re-rank on the current plan. With
 * {@code use_prev_if_drop_increase} (default false, as POT) a revert that raises the drop is
 * undone and that node is not tried again; otherwise the revert is kept (POT).
 * {@code max_iter_num} bounds the revert attempts ({@code 0}: no ranking and no revert).</li>
 * </ol>
 *
 * <p>Always returns a plan: the first that meets the target ({@code TARGET_MET}) or the best seen
 * ({@code BEST_EFFORT}: smallest largest-drop, ties to fewer reverted nodes), also when
 * {@code max_time} or {@code max_iter_num} stop the search. With a work folder it writes
 * {@code aa-checkpoint.json} after every iteration ({@code resume: true} continues from it) and
 * {@code accuracy-aware-report.json}/{@code .html}.
 *
 * <p>With {@code on_target_missed: error} (NNCF's behaviour) a missed target throws
 * {@link AccuracyTargetMissedException} carrying that best result instead.
 *
 * <p>A {@code baseline_value} is used as given (POT); one further than 10% from the measured FP32
 * value gets a one-line warning with both values. Drops within 1e-9 of
 * {@code maximal_drop} count as met. A relative drop divides by {@code |baseline|}.
 */
public final class AccuracyAwareQuantization implements QuantizationAlgorithm {
    /** Name in configs. */
    public static final String NAME = "AccuracyAwareQuantization";
    /** Checkpoint file in the work folder. */
    public static final String CHECKPOINT_FILE = Checkpoint.FILE_NAME;
    /** JSON report file in the work folder. */
    public static final String REPORT_JSON = "accuracy-aware-report.json";
    /** HTML report file in the work folder. */
    public static final String REPORT_HTML = "accuracy-aware-report.html";

    private static final Logger LOG = LoggerFactory.getLogger(AccuracyAwareQuantization.class);

    private final Set<String> baseParameterNames;

    /** The algorithm; base-algorithm parameter names are looked up among the installed algorithms. */
    public AccuracyAwareQuantization() {
        this(null);
    }

    /**
     * @param baseParameterNames the parameter names of the default base algorithm, or null to look
     *                           them up with {@link ServiceLoader}
     */
    public AccuracyAwareQuantization(Set<String> baseParameterNames) {
        this.baseParameterNames = baseParameterNames == null ? null : Set.copyOf(baseParameterNames);
    }

    @Override
    public String name() {
        return NAME;
    }

    /** AccuracyAware's own names plus every name the base algorithm (DefaultQuantization) accepts. */
    @Override
    public Set<String> parameterNames() {
        Set<String> names = new TreeSet<>(AccuracyAwareParams.OWN);
        names.addAll(baseParameterNames != null ? baseParameterNames : BaseNames.DEFAULT_BASE_NAMES);
        return Collections.unmodifiableSet(names);
    }

    @Override
    public void checkParameters(Map<String, Object> params) {
        AccuracyAwareParams p = AccuracyAwareParams.parse(params, 1);
        if (NAME.equals(p.baseAlgorithm())) {
            throw new Pot4jException(ErrorCode.CONFIG_INVALID, "AccuracyAwareQuantization cannot be its own base_algorithm;"
                    + " use DefaultQuantization or MinMaxQuantization");
        }
        if (AccuracyAwareParams.DEFAULT_BASE.equals(p.baseAlgorithm())) {
            org.pot4j.engine.algorithms.DefaultQuantization.check(NAME, p.baseParams(), parameterNames());
        }
    }

    @Override
    public QuantizationResult run(Model model, AlgorithmContext context) {
        AccuracyAwareParams p = AccuracyAwareParams.parse(context.params(), Evaluator.defaultWorkers());
        Dataset validation = context.validation().orElseThrow(() -> new Pot4jException(ErrorCode.CONFIG_INVALID,
                "AccuracyAwareQuantization needs validation data with annotations: add validation_dataset to the config "
                        + "(or pass a validation dataset to quantizeWithAccuracyControl)"));
        if (validation.size() == 0) {
            throw new Pot4jException(ErrorCode.DATASET_EMPTY, "validation dataset '" + validation.name()
                    + "' has no samples; AccuracyAwareQuantization needs at least one");
        }
        ProgressListener progress = context.progress() == null ? ProgressListener.NONE : context.progress();
        Evaluator evaluator = AlgorithmSupport.evaluator(context);
        Evaluator quiet = evaluator.withProgress(ProgressListener.NONE, 1);
        AccuracyProbe probe;
        if (context.validationFunction().isPresent()) {
            probe = new FunctionProbe(model, validation, context.validationFunction().get(), context.validationHigherBetter(),
                    evaluator, quiet);
        } else if (!context.metrics().isEmpty()) {
            if (validation.get(0).annotation() == null) {
                // the job runner validates on the calibration data when no validation_dataset is configured
                throw new Pot4jException(ErrorCode.CONFIG_INVALID, "AccuracyAwareQuantization: validation data '"
                        + validation.name() + "' has no annotations for the metrics; add a validation_dataset with labels "
                        + "(or annotation: fp32_output) to the config");
            }
            probe = new MetricsProbe(model, validation, context.metrics(), evaluator, quiet);
        } else {
            throw new Pot4jException(ErrorCode.CONFIG_INVALID, "AccuracyAwareQuantization needs a metric to control: add one "
                    + "under engine.metrics (e.g. {\"name\": \"accuracy\"}) or pass a validation function");
        }
        QuantizationAlgorithm base = resolveBase(context, p.baseAlgorithm());

        Path workDir = context.workDir().orElse(null);
        Checkpoint checkpoint = workDir == null ? null : new Checkpoint(workDir.resolve(CHECKPOINT_FILE));
        // the fast mode's checkpoints hold another state: never resume one mode from the other's
        String fingerprint = Checkpoint.fingerprint(model, p.fingerprinted(), validation,
                probe.describe() + (p.exactRanking() ? "" : ";ranking=fast"));
        SearchState state = null;
        if (p.resume()) {
            if (checkpoint == null) {
                LOG.warn("AccuracyAwareQuantization: resume requested but there is no work folder to read a checkpoint from;"
                        + " starting from the beginning");
            } else {
                java.util.Set<String> nodeIds = new java.util.HashSet<>();
                model.quantizableNodes().forEach(n -> nodeIds.add(n.id()));
                state = checkpoint.load(fingerprint, nodeIds);
            }
        }
        boolean resumed = state != null;
        AccuracyAwareSearch search = new AccuracyAwareSearch(model, context, p, probe, base, validation, evaluator, checkpoint,
                fingerprint);
        if (resumed) {
            state.sessions++;
            progress.message("AccuracyAware: resuming from " + checkpoint.file().getFileName() + " after iteration "
                    + state.iteration + ", reverted " + state.reverted);
            LOG.info("AccuracyAwareQuantization: resuming after iteration {} with reverted nodes {}", state.iteration, state.reverted);
        } else {
            state = search.initialize();
        }
        if (p.exactRanking()) {
            search.loop(state);
        } else {
            new FastSearch(search).loop(state);
        }
        return finish(search, state, p, workDir, resumed);
    }

    private static QuantizationResult finish(AccuracyAwareSearch search, SearchState st, AccuracyAwareParams p, Path workDir,
            boolean resumed) {
        boolean met = search.met(st.currentObjective);
        QuantizationResult.Status status = met ? QuantizationResult.Status.TARGET_MET : QuantizationResult.Status.BEST_EFFORT;
        QuantizationPlan plan = met ? st.plan : st.bestPlan;
        List<String> reverted = met ? st.reverted : st.bestReverted;
        Map<String, Double> values = met ? st.currentValues : st.bestValues;
        double drop = AccuracyAwareSearch.objective(search.drops(st, values));
        search.save(st);
        Map<String, Object> report = AccuracyAwareReport.build(st, p, status, reverted, values, drop, search.totalSeconds(st), resumed);
        if (workDir != null) {
            ReportJson.write(workDir.resolve(REPORT_JSON), report);
            AccuracyAwareHtmlReport.write(workDir.resolve(REPORT_HTML), report);
        }
        QuantizationPlan tagged = plan.toBuilder()
                .metadata("pot4j.accuracy_aware.status", status.name())
                .metadata("pot4j.accuracy_aware.reverted_nodes", String.join(",", reverted))
                .build();
        String summary = status + ": drop " + AccuracyAwareSearch.fmt(drop) + " (maximal_drop " + p.maximalDrop() + "), "
                + reverted.size() + " of " + st.quantizedNodeCount + " nodes in FP32 " + reverted + "; " + st.stopReason;
        LOG.info("AccuracyAwareQuantization: {}", summary);
        QuantizationResult result = new QuantizationResult(tagged, status, report);
        if (!met && p.errorOnTargetMissed()) {
            throw new AccuracyTargetMissedException("AccuracyAwareQuantization could not reach maximal_drop " + p.maximalDrop()
                    + " (" + p.dropType().configName() + "): best drop " + AccuracyAwareSearch.fmt(drop) + " with "
                    + reverted.size() + " of " + st.quantizedNodeCount + " nodes in FP32 (" + st.stopReason + "); raise "
                    + "maximal_drop or max_iter_num, or set on_target_missed: best_effort to keep the best model", result);
        }
        return result;
    }

    private static QuantizationAlgorithm resolveBase(AlgorithmContext context, String name) {
        if (NAME.equals(name)) {
            throw new Pot4jException(ErrorCode.CONFIG_INVALID, "AccuracyAwareQuantization cannot be its own base_algorithm; "
                    + "use DefaultQuantization or MinMaxQuantization");
        }
        QuantizationAlgorithm a;
        try {
            a = context.algorithm(name);
        } catch (Pot4jException e) {
            if (e.code() == ErrorCode.UNKNOWN_ALGORITHM) {
                throw new Pot4jException(ErrorCode.UNKNOWN_ALGORITHM, "AccuracyAwareQuantization base_algorithm: " + e.getMessage(), e);
            }
            throw e;
        } catch (RuntimeException e) {
            throw unknownBase(name, e);
        }
        if (a == null) {
            throw unknownBase(name, null);
        }
        return a;
    }

    private static Pot4jException unknownBase(String name, Throwable cause) {
        return new Pot4jException(ErrorCode.UNKNOWN_ALGORITHM, "AccuracyAwareQuantization base_algorithm '" + name
                + "' is not installed; installed algorithms: " + BaseNames.installed(), cause);
    }

    /** Installed algorithms, found the way the engine finds them (ServiceLoader on this class loader). */
    private static final class BaseNames {
        static final Set<String> DEFAULT_BASE_NAMES = lookup(AccuracyAwareParams.DEFAULT_BASE);

        private static Set<String> lookup(String algorithm) {
            try {
                for (QuantizationAlgorithmProvider p : ServiceLoader.load(QuantizationAlgorithmProvider.class,
                        AccuracyAwareQuantization.class.getClassLoader())) {
                    if (algorithm.equals(p.name())) {
                        return Set.copyOf(p.create().parameterNames());
                    }
                }
            } catch (ServiceConfigurationError | RuntimeException e) {
                LoggerFactory.getLogger(AccuracyAwareQuantization.class).warn(
                        "cannot read the parameter names of {}: {}", algorithm, e.toString());
            }
            return Set.of();
        }

        static Set<String> installed() {
            Set<String> names = new TreeSet<>();
            try {
                for (QuantizationAlgorithmProvider p : ServiceLoader.load(QuantizationAlgorithmProvider.class,
                        AccuracyAwareQuantization.class.getClassLoader())) {
                    names.add(p.name());
                }
            } catch (ServiceConfigurationError | RuntimeException e) {
                // list what was found before the broken provider
            }
            return names;
        }
    }
}
