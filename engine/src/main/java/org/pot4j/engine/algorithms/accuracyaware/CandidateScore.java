package org.pot4j.engine.algorithms.accuracyaware;

/**
 * How good the model is with one node reverted, measured on the ranking subset.
 *
 * @param score     higher = better model: the oriented metric sum when ranked by the metric, else
 *                  minus the mean NMSE to FP32
 * @param metricSum the sum of the focus metric's per-sample values (or the validation function's
 *                  value) on the subset, NaN when ranked by NMSE only
 * @param nmse      mean NMSE of the outputs to the FP32 outputs on the subset, NaN when not measured
 */
record CandidateScore(double score, double metricSum, double nmse) {
}
