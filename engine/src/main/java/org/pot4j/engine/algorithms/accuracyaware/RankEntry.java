package org.pot4j.engine.algorithms.accuracyaware;

/**
 * One row of a layer ranking: the node and how good the model is when it alone is reverted.
 *
 * @param node      node id
 * @param opType    op type
 * @param score     see {@link CandidateScore#score()}; higher ranks first
 * @param metricSum see {@link CandidateScore#metricSum()}
 * @param nmse      see {@link CandidateScore#nmse()}
 */
record RankEntry(String node, String opType, double score, double metricSum, double nmse) {
}
