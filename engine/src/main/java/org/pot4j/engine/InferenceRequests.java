package org.pot4j.engine;

/**
 * POT's {@code engine.stat_requests_number} and {@code engine.eval_requests_number}: how many
 * inference requests run in parallel in statistics passes and in evaluation passes. Results never
 * depend on them (batches hold the same samples and are reduced in sample order); only the speed does.
 *
 * @param statistics parallel requests of a statistics pass (at least 1)
 * @param evaluation parallel requests of an evaluation pass, 0 = the evaluator's default (the cores, at most 4)
 */
public record InferenceRequests(int statistics, int evaluation) {
    /** Statistics sequential, evaluation on the evaluator's default. */
    public static final InferenceRequests DEFAULT = new InferenceRequests(1, 0);

    /** Validates. */
    public InferenceRequests {
        if (statistics < 1 || evaluation < 0) {
            throw new IllegalArgumentException("requests must be positive: " + statistics + ", " + evaluation);
        }
    }
}
