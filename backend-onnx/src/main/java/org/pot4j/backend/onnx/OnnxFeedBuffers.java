package org.pot4j.backend.onnx;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.ConcurrentLinkedDeque;

/**
 * Direct buffers that the runs of one session copy their inputs into, reused from run to run. ORT
 * reads a direct buffer in place; given a heap array it first allocates a fresh direct buffer
 * (zeroed, then filled, then left to the garbage collector) per input and run, which for the cut
 * tensors AccuracyAware feeds (about 1 MB per sample on the MNIST ResNet) cost more than the run.
 * One set of buffers per concurrent caller; dropped with the session.
 */
final class OnnxFeedBuffers {
    private final int inputs;
    private final ConcurrentLinkedDeque<ByteBuffer[]> free = new ConcurrentLinkedDeque<>();

    OnnxFeedBuffers(int inputs) {
        this.inputs = inputs;
    }

    /** A set of buffers for one run (one slot per input); give it back with {@link #release}. */
    ByteBuffer[] acquire() {
        ByteBuffer[] set = free.poll();
        return set != null ? set : new ByteBuffer[inputs];
    }

    /** Returns a set once the run's ORT tensors over it are closed. */
    void release(ByteBuffer[] set) {
        free.push(set);
    }

    /** Forgets every buffer (the session is closed). */
    void clear() {
        free.clear();
    }

    /**
     * Slot {@code i} of {@code set} as a native-order buffer of exactly {@code bytes} bytes (position 0), grown when
     * too small.
     */
    static ByteBuffer slot(ByteBuffer[] set, int i, int bytes) {
        ByteBuffer b = set[i];
        if (b == null || b.capacity() < bytes) {
            b = ByteBuffer.allocateDirect(bytes).order(ByteOrder.nativeOrder());
            set[i] = b;
        }
        b.clear().limit(bytes);
        return b;
    }
}
