package org.pot4j.spark;

import java.io.Serializable;
import java.util.List;
import org.pot4j.api.ErrorCode;
import org.pot4j.engine.evaluation.executor.TensorData;

/**
 * What one Spark task returns for its chunk of consecutive sample positions: each sample's outputs,
 * or the pot4j error that stopped it. A model, dataset or metric error is returned as a value, not
 * thrown, so Spark does not retry a deterministic failure {@code spark.task.maxFailures} times and
 * the driver raises the very exception (code and one-line message) a local run raises. A lost
 * executor still fails the task, and Spark retries it elsewhere.
 */
record ChunkResult(int chunk, int from, List<List<TensorData>> outputs, ErrorCode errorCode, String errorMessage)
        implements Serializable {
    static ChunkResult ok(int chunk, int from, List<List<TensorData>> outputs) {
        return new ChunkResult(chunk, from, outputs, null, null);
    }

    static ChunkResult failed(int chunk, int from, ErrorCode code, String message) {
        return new ChunkResult(chunk, from, null, code, message);
    }

    boolean failed() {
        return errorCode != null;
    }

    /** Payload bytes of the outputs, for the transfer log. */
    long payloadBytes() {
        long n = 0;
        if (outputs != null) {
            for (List<TensorData> sample : outputs) {
                for (TensorData t : sample) {
                    n += org.pot4j.api.Tensor.elementCount(t.shape()) * t.dataType().byteSize();
                }
            }
        }
        return n;
    }
}
