package org.pot4j.api.model;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.pot4j.api.Tensor;
import org.pot4j.api.graph.GraphView;
import org.pot4j.api.graph.PlacementRules;
import org.pot4j.api.quant.QuantizationPlan;

/**
 * A loaded FP32 model: a read-only graph view, a way to run it under a plan, and a way to write it
 * quantized. Never modified in place: every plan is applied to a fresh copy.
 */
public interface Model extends AutoCloseable {
    /** The file or folder it was loaded from. */
    Path path();

    /** Name of the backend that loaded it. */
    String backendName();

    /** Model inputs, in the order the model takes them. */
    List<TensorInfo> inputs();

    /** Model outputs, in the order metrics receive them. */
    List<TensorInfo> outputs();

    /**
     * The nodes the engine may quantize, in topological order: for the bundled backends
     * {@link org.pot4j.api.graph.QuantizerPlacement} of {@link #graph()} under {@link #placementRules()}.
     */
    List<QuantizableNode> quantizableNodes();

    /**
     * The model's graph with framework-neutral node kinds, or null when the backend lists its
     * quantizable nodes without one.
     */
    default GraphView graph() {
        return null;
    }

    /** What the backend's runtime fuses into integer kernels (read by the placement), or null without {@link #graph()}. */
    default PlacementRules placementRules() {
        return null;
    }

    /** The FP32 values of a node's weight, in the framework's layout ({@link QuantizableNode#weightShape()}). */
    Tensor weight(QuantizableNode node);

    /** The FP32 values of a node's bias, or null when it has none. */
    Tensor bias(QuantizableNode node);

    /**
     * Builds a runnable model with {@code plan} applied ({@link QuantizationPlan#EMPTY} = the FP32
     * model) and with the intermediate tensors in {@code extraOutputs} returned as outputs too.
     *
     * @throws org.pot4j.api.Pot4jException {@code RUNTIME_FAILURE} when the runtime rejects it
     */
    CompiledModel compile(QuantizationPlan plan, Set<String> extraOutputs);

    /**
     * As {@link #compile(QuantizationPlan, Set)}, for a caller that will have {@code concurrentRuns}
     * runs in flight at once (its inference workers times the models it runs in parallel): a backend
     * may give each run a share of the cores instead of all of them, so the runs together do not
     * oversubscribe the machine. The outputs are the same. The default ignores the hint.
     */
    default CompiledModel compile(QuantizationPlan plan, Set<String> extraOutputs, int concurrentRuns) {
        return compile(plan, extraOutputs);
    }

    /**
     * Writes the model with {@code plan} applied, in the framework's own format, to {@code target}
     * (a file or folder). Writes to a temporary sibling first and moves it into place, so a failure
     * never leaves a half-written model.
     */
    void save(QuantizationPlan plan, Path target);

    /**
     * The files the model was read from: the model file (or every file of a model folder) and any
     * external data files it references. {@code --resume} hashes them to notice a changed input.
     */
    default List<Path> sourceFiles() {
        return List.of(path());
    }

    /**
     * Nodes that {@code plan} leaves computing in float between quantized tensors, each with the
     * reason (the runtime has no integer kernel for the op, or the plan keeps the node in FP32);
     * {@code report.json} lists them. Empty when the backend does not track them.
     */
    default Map<String, String> floatOps(QuantizationPlan plan) {
        return Map.of();
    }

    /** Size of the model on disk in bytes (all files of a folder or external data). */
    long sizeOnDisk();

    /** Releases resources. */
    @Override
    default void close() {
    }
}
