package org.pot4j.engine.algorithms;

import java.util.Map;
import java.util.Set;
import org.pot4j.api.ProgressListener;
import java.util.Optional;
import org.pot4j.api.quant.AlgorithmContext;
import org.pot4j.api.quant.QuantizationPlan;
import org.pot4j.api.quant.QuantizationResult;
import org.pot4j.engine.PreviousResult;
import org.pot4j.engine.config.ParamBinder;
import org.pot4j.engine.evaluation.Evaluator;
import org.pot4j.engine.statistics.StatisticsCollector;

/** Small helpers the built-in algorithms share. */
public final class AlgorithmSupport {
    private AlgorithmSupport() {
    }

    /** The engine's statistics collector service, or a new one when the context offers none. */
    public static StatisticsCollector collector(AlgorithmContext context) {
        try {
            StatisticsCollector c = context.service(StatisticsCollector.class);
            if (c != null) {
                return c;
            }
        } catch (RuntimeException e) {
            // a bare context (library use): the collector is stateless, a fresh one is equivalent
        }
        return new StatisticsCollector();
    }

    /**
     * The engine's evaluator service (shared caches and executor) reporting to the context's
     * progress listener, or a stand-alone one when the context offers none.
     */
    public static Evaluator evaluator(AlgorithmContext context) {
        ProgressListener progress = context.progress() == null ? ProgressListener.NONE : context.progress();
        try {
            Evaluator e = context.service(Evaluator.class);
            if (e != null) {
                return e; // the engine's context gives it with the run's progress and requests
            }
        } catch (RuntimeException e) {
            // a bare context (library use): a stand-alone evaluator computes the same values, without shared caches
        }
        return new Evaluator(progress);
    }

    /**
     * The plan of the algorithm before this one in a config's {@code compression.algorithms} list
     * (POT runs the list as a pipeline: each algorithm starts from the previous one's plan), or
     * empty for the first algorithm, a Java API call or a bare context.
     */
    public static Optional<QuantizationPlan> previousPlan(AlgorithmContext context) {
        try {
            PreviousResult previous = context.service(PreviousResult.class);
            return previous == null ? Optional.empty() : previous.get().map(QuantizationResult::plan);
        } catch (RuntimeException e) {
            return Optional.empty(); // a context without the service: no pipeline
        }
    }

    /**
     * Fails with {@code CONFIG_UNKNOWN_KEY} ("did you mean", the valid keys) on keys outside
     * {@code names}: the one unknown-key check of a parameter map several records share (MinMax,
     * bias correction, the flow's own), made by the engine's {@link ParamBinder}.
     */
    public static void checkKeys(String algorithm, Map<String, ?> params, Set<String> names) {
        ParamBinder.requireKnown(params, names, "algorithm '" + algorithm + "'", "params");
    }

    /** Version of the built-in algorithms: the engine jar's version, or "dev" when run from classes. */
    public static String version() {
        String v = AlgorithmSupport.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }

    /** Seconds since {@code startNanos}, rounded to milliseconds. */
    public static double secondsSince(long startNanos) {
        return Math.round((System.nanoTime() - startNanos) / 1e6) / 1e3;
    }
}
