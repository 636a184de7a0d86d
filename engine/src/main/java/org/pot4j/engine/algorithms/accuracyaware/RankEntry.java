package org.pot4j.engine.algorithms.accuracyaware;

import java.util.List;

/**
 * One row of a layer ranking: a node and how good the model is when it alone (with its quantizer
 * group, see {@link NodeReverter}) is reverted.
 *
 * @param node      node id
 * @param opType    op type
 * @param score     see {@link CandidateScore#score()}; higher ranks first
 * @param metricSum see {@link CandidateScore#metricSum()}
 * @param nmse      see {@link CandidateScore#nmse()}
 * @param group     every node the candidate reverts, in graph order (just {@code node} when it goes alone)
 * @param proxy     fast ranking: how much reverting it lowers the output NMSE to FP32 on the pre-rank samples ({@link FastSearch}), null when not measured
 */
record RankEntry(String node, String opType, double score, double metricSum, double nmse, List<String> group, Double proxy) {
    /** An entry without proxy score. */
    RankEntry(String node, String opType, double score, double metricSum, double nmse, List<String> group) {
        this(node, opType, score, metricSum, nmse, group, null);
    }

    /** This entry with a proxy score. */
    RankEntry withProxy(Double p) {
        return new RankEntry(node, opType, score, metricSum, nmse, group, p);
    }

    /** Copies; an absent group (older checkpoints) means the node alone. */
    RankEntry {
        group = group == null || group.isEmpty() ? List.of(node) : List.copyOf(group);
    }
}
