package org.pot4j.engine.testplugins;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.pot4j.api.io.AtomicFiles;
import org.pot4j.api.ErrorCode;
import org.pot4j.api.Pot4jException;
import org.pot4j.api.Tensor;
import org.pot4j.api.model.CompiledModel;
import org.pot4j.api.model.Model;
import org.pot4j.api.model.QuantizableNode;
import org.pot4j.api.model.TensorInfo;
import org.pot4j.api.quant.QuantizationPlan;
import org.pot4j.engine.config.JsonFiles;
import org.pot4j.engine.config.PlanJson;
import org.pot4j.engine.testing.JavaMlpModel;

/** A {@code .tmlp} model: {@link JavaMlpModel#mlp} behind a file path; saves its plan as JSON. */
final class TextMlpModel implements Model {
    private final Path path;
    private final JsonNode spec;
    private final JavaMlpModel mlp;
    private final Map<String, Object> options;

    TextMlpModel(Path path, JsonNode spec, Map<String, Object> options) {
        this.path = path;
        this.spec = spec;
        this.mlp = JavaMlpModel.mlp(spec.path("seed").asLong(1), spec.get("in").asInt(), spec.get("hidden").asInt(),
                spec.get("out").asInt());
        this.options = Map.copyOf(options);
    }

    /** Options given at load time (tests check that {@code threads} arrives). */
    Map<String, Object> options() {
        return options;
    }

    @Override
    public Path path() {
        return path;
    }

    @Override
    public String backendName() {
        return TextMlpBackendProvider.NAME;
    }

    @Override
    public List<TensorInfo> inputs() {
        return mlp.inputs();
    }

    @Override
    public List<TensorInfo> outputs() {
        return mlp.outputs();
    }

    @Override
    public List<QuantizableNode> quantizableNodes() {
        return mlp.quantizableNodes();
    }

    @Override
    public Tensor weight(QuantizableNode node) {
        return mlp.weight(node);
    }

    @Override
    public Tensor bias(QuantizableNode node) {
        return mlp.bias(node);
    }

    @Override
    public CompiledModel compile(QuantizationPlan plan, Set<String> extraOutputs) {
        return mlp.compile(plan, extraOutputs);
    }

    @Override
    public void save(QuantizationPlan plan, Path target) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("source", spec);
        out.put("plan", PlanJson.toTree(plan));
        out.put("load_options", options);
        try {
            Path tmp = Files.createTempFile(target.toAbsolutePath().getParent(), ".tmlp", ".tmp");
            Files.writeString(tmp, JsonFiles.mapper().writeValueAsString(out));
            AtomicFiles.move(tmp, target);
        } catch (IOException e) {
            throw new Pot4jException(ErrorCode.IO_FAILURE, "cannot write " + target + ": " + e.getMessage(), e);
        }
    }

    @Override
    public long sizeOnDisk() {
        return mlp.sizeOnDisk();
    }
}
