package org.pot4j.spark;

import java.io.Serializable;
import java.util.List;
import org.pot4j.api.ErrorCode;

/**
 * What one task returns for its chunk of consecutive sample positions: the model outputs of each
 * sample (model output order), or the pot4j error that stopped it. A model, dataset or metric
 * error is returned as a value, not thrown, so Spark does not retry a deterministic failure four
 * times and the driver raises the very exception (code and message) a local run raises.
 */
record ChunkResult(int chunk, int from, List<List<WireTensor>> outputs, ErrorCode errorCode, String errorMessage)
        implements Serializable {
    static ChunkResult ok(int chunk, int from, List<List<WireTensor>> outputs) {
        return new ChunkResult(chunk, from, outputs, null, null);
    }

    static ChunkResult failed(int chunk, int from, ErrorCode code, String message) {
        return new ChunkResult(chunk, from, null, code, message);
    }

    boolean failed() {
        return errorCode != null;
    }
}
