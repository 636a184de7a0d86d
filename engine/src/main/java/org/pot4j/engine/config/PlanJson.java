package org.pot4j.engine.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;
import org.pot4j.api.ErrorCode;
import org.pot4j.api.Pot4jException;
import org.pot4j.api.quant.ActivationQuantizer;
import org.pot4j.api.quant.QuantizationPlan;
import org.pot4j.api.quant.WeightQuantizer;

/**
 * {@link QuantizationPlan} to and from JSON. Floats are written in their shortest exact decimal
 * form and read back with {@link Float#parseFloat}, so a round trip gives the identical plan
 * (non-finite bias shifts and -0.0 are written as the strings {@code "NaN"}, {@code "Infinity"},
 * {@code "-0.0"}).
 *
 * <pre>{@code
 * {"format": "pot4j-plan", "version": 1,
 *  "weights": {"<node>": {"bits": 8, "axis": 0, "scales": [...], "zero_points": [...], "narrow_range": true}},
 *  "activations": {"<tensor>": {"bits": 8, "signed": false, "scale": 0.0123, "zero_point": 0}},
 *                  (plus "dynamic": true for a run-time range; absent in older plans = static)
 *  "bias_shifts": {"<node>": [...]}, "float_channels": {"<tensor>": [channels]},
 *  "float_channel_divisors": {"<tensor>": [divisors]} (both only when set),
 *  "fp32_nodes": [...], "metadata": {"k": "v"}}
 * }</pre>
 */
public final class PlanJson {
    /** Value of the {@code format} field. */
    public static final String FORMAT = "pot4j-plan";
    private static final JsonNodeFactory F = JsonNodeFactory.instance;
    /** -0.0 goes as a string: JSON readers turn the number -0.0 into 0. */
    private static final int NEGATIVE_ZERO = Float.floatToIntBits(-0.0f);

    private PlanJson() {
    }

    /** The plan as a JSON tree. */
    public static ObjectNode toTree(QuantizationPlan plan) {
        ObjectNode root = F.objectNode();
        root.put("format", FORMAT);
        root.put("version", 1);
        ObjectNode weights = root.putObject("weights");
        plan.weights().forEach((node, q) -> {
            ObjectNode w = weights.putObject(node);
            w.put("bits", q.bits());
            w.put("axis", q.axis());
            ArrayNode scales = w.putArray("scales");
            for (float s : q.scales()) {
                scales.add(s);
            }
            ArrayNode zps = w.putArray("zero_points");
            for (int z : q.zeroPoints()) {
                zps.add(z);
            }
            w.put("narrow_range", q.narrowRange());
        });
        ObjectNode acts = root.putObject("activations");
        plan.activations().forEach((tensor, q) -> {
            ObjectNode a = acts.putObject(tensor);
            a.put("bits", q.bits());
            a.put("signed", q.signed());
            a.put("scale", q.scale());
            a.put("zero_point", q.zeroPoint());
            if (q.dynamic()) {
                // written only when set, so static plans stay byte-identical to older versions
                a.put("dynamic", true);
            }
        });
        ObjectNode shifts = root.putObject("bias_shifts");
        plan.biasShifts().forEach((node, values) -> {
            ArrayNode arr = shifts.putArray(node);
            for (float v : values) {
                if (Float.isFinite(v) && Float.floatToIntBits(v) != NEGATIVE_ZERO) {
                    arr.add(v);
                } else {
                    arr.add(Float.toString(v));
                }
            }
        });
        if (!plan.floatChannels().isEmpty()) {
            // written only when set, so plans without outlier channels stay byte-identical to older versions
            ObjectNode channels = root.putObject("float_channels");
            plan.floatChannels().forEach((tensor, cs) -> {
                ArrayNode arr = channels.putArray(tensor);
                for (int c : cs) {
                    arr.add(c);
                }
            });
        }
        if (!plan.channelDivisors().isEmpty()) {
            ObjectNode divisors = root.putObject("float_channel_divisors");
            plan.channelDivisors().forEach((tensor, ds) -> {
                ArrayNode arr = divisors.putArray(tensor);
                for (float d : ds) {
                    arr.add(d);
                }
            });
        }
        ArrayNode fp32 = root.putArray("fp32_nodes");
        plan.fp32Nodes().forEach(fp32::add);
        ObjectNode meta = root.putObject("metadata");
        plan.metadata().forEach(meta::put);
        return root;
    }

    /** The plan as pretty JSON text. */
    public static String write(QuantizationPlan plan) {
        try {
            return JsonFiles.mapper().writeValueAsString(toTree(plan));
        } catch (JsonProcessingException e) {
            throw new Pot4jException(ErrorCode.INTERNAL, "cannot serialize plan: " + e.getMessage(), e);
        }
    }

    /** Writes the plan to {@code file} (temporary sibling, then move). */
    public static void writeFile(QuantizationPlan plan, Path file) {
        JsonFiles.write(file, toTree(plan));
    }

    /**
     * Parses a plan.
     *
     * @throws Pot4jException {@code CONFIG_INVALID} naming what is wrong
     */
    public static QuantizationPlan read(String json) {
        JsonNode root;
        try {
            root = JsonFiles.mapper().readTree(json);
        } catch (JsonProcessingException e) {
            throw new Pot4jException(ErrorCode.CONFIG_INVALID, "plan is not valid JSON: " + e.getOriginalMessage(), e);
        }
        return fromTree(root);
    }

    /** Reads a plan file. */
    public static QuantizationPlan readFile(Path file) {
        try {
            return read(Files.readString(file, StandardCharsets.UTF_8));
        } catch (NoSuchFileException e) {
            throw new Pot4jException(ErrorCode.FILE_NOT_FOUND, "plan file " + file + " does not exist", e);
        } catch (IOException e) {
            throw new Pot4jException(ErrorCode.IO_FAILURE, "cannot read plan " + file + ": " + e.getMessage(), e);
        } catch (Pot4jException e) {
            throw new Pot4jException(e.code(), file + ": " + e.getMessage(), e);
        }
    }

    /** Parses a plan from a JSON tree. */
    public static QuantizationPlan fromTree(JsonNode root) {
        if (root == null || !root.isObject() || !FORMAT.equals(root.path("format").asText())) {
            throw invalid("not a pot4j plan (missing \"format\": \"" + FORMAT + "\")");
        }
        QuantizationPlan.Builder b = QuantizationPlan.builder();
        try {
            for (Iterator<Map.Entry<String, JsonNode>> it = root.path("weights").fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                JsonNode w = e.getValue();
                JsonNode scalesNode = w.path("scales");
                float[] scales = new float[scalesNode.size()];
                for (int i = 0; i < scales.length; i++) {
                    scales[i] = exactFloat(scalesNode.get(i), "weights." + e.getKey() + ".scales");
                }
                JsonNode zpNode = w.path("zero_points");
                int[] zps = new int[zpNode.size()];
                for (int i = 0; i < zps.length; i++) {
                    zps[i] = zpNode.get(i).intValue();
                }
                b.weight(e.getKey(), new WeightQuantizer(w.path("bits").asInt(8), w.path("axis").asInt(-1), scales, zps,
                        w.path("narrow_range").asBoolean(false)));
            }
            for (Iterator<Map.Entry<String, JsonNode>> it = root.path("activations").fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                JsonNode a = e.getValue();
                b.activation(e.getKey(), new ActivationQuantizer(a.path("bits").asInt(8), a.path("signed").asBoolean(),
                        exactFloat(a.path("scale"), "activations." + e.getKey() + ".scale"), a.path("zero_point").asInt(0),
                        a.path("dynamic").asBoolean(false)));
            }
            for (Iterator<Map.Entry<String, JsonNode>> it = root.path("bias_shifts").fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                float[] v = new float[e.getValue().size()];
                for (int i = 0; i < v.length; i++) {
                    v[i] = exactFloat(e.getValue().get(i), "bias_shifts." + e.getKey());
                }
                b.biasShift(e.getKey(), v);
            }
            for (Iterator<Map.Entry<String, JsonNode>> it = root.path("float_channels").fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                int[] cs = new int[e.getValue().size()];
                for (int i = 0; i < cs.length; i++) {
                    JsonNode c = e.getValue().get(i);
                    if (!c.canConvertToInt() || !c.isIntegralNumber() || c.intValue() < 0) {
                        throw new IllegalArgumentException("float_channels." + e.getKey() + " must list channel indices >= 0");
                    }
                    cs[i] = c.intValue();
                }
                JsonNode ds = root.path("float_channel_divisors").path(e.getKey());
                if (ds.isArray()) {
                    float[] divisors = new float[ds.size()];
                    for (int i = 0; i < divisors.length; i++) {
                        divisors[i] = (float) ds.get(i).asDouble(Double.NaN);
                    }
                    b.floatChannels(e.getKey(), cs, divisors);
                } else {
                    b.floatChannels(e.getKey(), cs);
                }
            }
            for (JsonNode n : root.path("fp32_nodes")) {
                b.fp32Node(n.asText());
            }
            for (Iterator<Map.Entry<String, JsonNode>> it = root.path("metadata").fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                b.metadata(e.getKey(), e.getValue().asText());
            }
        } catch (IllegalArgumentException e) {
            throw invalid(e.getMessage());
        }
        return b.build();
    }

    /** The float a JSON number (or "NaN"-style string) denotes, parsed from its decimal text. */
    private static float exactFloat(JsonNode n, String where) {
        if (n == null || n.isMissingNode()) {
            throw invalid(where + " is missing");
        }
        if (n.isTextual()) {
            try {
                return Float.parseFloat(n.asText());
            } catch (NumberFormatException e) {
                throw invalid(where + " is not a number: " + n.asText());
            }
        }
        if (!n.isNumber()) {
            throw invalid(where + " is not a number: " + n);
        }
        if (n.isBigDecimal()) {
            return Float.parseFloat(n.decimalValue().toString());
        }
        return Float.parseFloat(n.asText());
    }

    private static Pot4jException invalid(String what) {
        return new Pot4jException(ErrorCode.CONFIG_INVALID, "invalid plan: " + what);
    }
}
