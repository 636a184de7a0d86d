package org.pot4j.api.quant;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * Everything a backend needs to produce a quantized model, in framework-neutral terms: weight
 * quantizers by node id, activation quantizers by tensor name, bias shifts by node id, and the
 * nodes kept in FP32. Immutable; the engine serializes it to JSON (it is also the checkpoint).
 *
 * <p>A backend applies exactly what is here: a node with no weight quantizer keeps FP32 weights; a
 * tensor with no activation quantizer stays FP32; a bias shift is added to the node's bias.
 */
public final class QuantizationPlan {
    /** The plan that changes nothing: compiling it gives the FP32 model. */
    public static final QuantizationPlan EMPTY = builder().build();

    private final Map<String, WeightQuantizer> weights;
    private final Map<String, ActivationQuantizer> activations;
    private final Map<String, float[]> biasShifts;
    private final Map<String, int[]> floatChannels;
    private final Map<String, float[]> channelDivisors;
    private final Set<String> fp32Nodes;
    private final Map<String, String> metadata;

    private QuantizationPlan(Builder b) {
        this.weights = Collections.unmodifiableMap(new LinkedHashMap<>(b.weights));
        this.activations = Collections.unmodifiableMap(new LinkedHashMap<>(b.activations));
        LinkedHashMap<String, float[]> shifts = new LinkedHashMap<>();
        b.biasShifts.forEach((k, v) -> shifts.put(k, v.clone()));
        this.biasShifts = Collections.unmodifiableMap(shifts);
        LinkedHashMap<String, int[]> channels = new LinkedHashMap<>();
        b.floatChannels.forEach((k, v) -> channels.put(k, v.clone()));
        this.floatChannels = Collections.unmodifiableMap(channels);
        LinkedHashMap<String, float[]> divisors = new LinkedHashMap<>();
        b.channelDivisors.forEach((k, v) -> divisors.put(k, v.clone()));
        this.channelDivisors = Collections.unmodifiableMap(divisors);
        this.fp32Nodes = Collections.unmodifiableSet(new TreeSet<>(b.fp32Nodes));
        this.metadata = Collections.unmodifiableMap(new LinkedHashMap<>(b.metadata));
    }

    /** A new empty builder. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding this plan's content, to derive a changed plan. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.weights.putAll(weights);
        b.activations.putAll(activations);
        biasShifts.forEach((k, v) -> b.biasShifts.put(k, v.clone()));
        floatChannels.forEach((k, v) -> b.floatChannels.put(k, v.clone()));
        channelDivisors.forEach((k, v) -> b.channelDivisors.put(k, v.clone()));
        b.fp32Nodes.addAll(fp32Nodes);
        b.metadata.putAll(metadata);
        return b;
    }

    /** Weight quantizers by node id. */
    public Map<String, WeightQuantizer> weights() {
        return weights;
    }

    /** Activation quantizers by tensor name. */
    public Map<String, ActivationQuantizer> activations() {
        return activations;
    }

    /** Per-channel values to add to a node's bias, by node id (arrays must not be modified). */
    public Map<String, float[]> biasShifts() {
        return biasShifts;
    }

    /**
     * Outlier channels of dynamically quantized activations, by tensor name (arrays must not be modified):
     * the channels (last axis) whose calibration range dwarfs the others. The backend quantizes the tensor
     * without them and adds their contribution in float (a small float product over those weight rows),
     * so one channel of range 30 does not set the int8 step of hundreds of channels of range 2.
     */
    public Map<String, int[]> floatChannels() {
        return floatChannels;
    }

    /**
     * For tensors of {@link #floatChannels()}: per listed channel (same order), its calibration range over the
     * largest range of the other channels (at least 1). Where the backend cannot take a channel out of the
     * integer product cheaply, it may instead divide the channel by this divisor before quantizing and multiply
     * the matching weight rows by it (the product is unchanged, the int8 step is set by the other channels).
     * Absent for plans made before divisors were recorded.
     */
    public Map<String, float[]> channelDivisors() {
        return channelDivisors;
    }

    /** Nodes deliberately kept in FP32 (reverted by AccuracyAware or ignored by scope). */
    public Set<String> fp32Nodes() {
        return fp32Nodes;
    }

    /** Free-form facts recorded in the saved model (algorithm, preset, pot4j version...). */
    public Map<String, String> metadata() {
        return metadata;
    }

    /** True when the plan quantizes nothing. */
    public boolean isEmpty() {
        return weights.isEmpty() && activations.isEmpty() && biasShifts.isEmpty();
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof QuantizationPlan p)) {
            return false;
        }
        if (!p.weights.equals(weights) || !p.activations.equals(activations) || !p.fp32Nodes.equals(fp32Nodes)
                || !p.metadata.equals(metadata) || !p.biasShifts.keySet().equals(biasShifts.keySet())
                || !p.floatChannels.keySet().equals(floatChannels.keySet())
                || !p.channelDivisors.keySet().equals(channelDivisors.keySet())) {
            return false;
        }
        for (Map.Entry<String, float[]> e : channelDivisors.entrySet()) {
            if (!java.util.Arrays.equals(e.getValue(), p.channelDivisors.get(e.getKey()))) {
                return false;
            }
        }
        for (Map.Entry<String, int[]> e : floatChannels.entrySet()) {
            if (!java.util.Arrays.equals(e.getValue(), p.floatChannels.get(e.getKey()))) {
                return false;
            }
        }
        for (Map.Entry<String, float[]> e : biasShifts.entrySet()) {
            if (!java.util.Arrays.equals(e.getValue(), p.biasShifts.get(e.getKey()))) {
                return false;
            }
        }
        return true;
    }

    @Override
    public int hashCode() {
        return Objects.hash(weights, activations, fp32Nodes, biasShifts.keySet());
    }

    @Override
    public String toString() {
        return "QuantizationPlan[" + weights.size() + " weights, " + activations.size() + " activations, "
                + biasShifts.size() + " bias shifts, fp32=" + fp32Nodes + "]";
    }

    /** Mutable builder of a {@link QuantizationPlan}. */
    public static final class Builder {
        private final Map<String, WeightQuantizer> weights = new LinkedHashMap<>();
        private final Map<String, ActivationQuantizer> activations = new LinkedHashMap<>();
        private final Map<String, float[]> biasShifts = new LinkedHashMap<>();
        private final Map<String, int[]> floatChannels = new LinkedHashMap<>();
        private final Map<String, float[]> channelDivisors = new LinkedHashMap<>();
        private final Set<String> fp32Nodes = new TreeSet<>();
        private final Map<String, String> metadata = new LinkedHashMap<>();

        private Builder() {
        }

        /** Sets the weight quantizer of a node. */
        public Builder weight(String nodeId, WeightQuantizer q) {
            weights.put(nodeId, Objects.requireNonNull(q));
            return this;
        }

        /** Removes a node's weight quantizer. */
        public Builder removeWeight(String nodeId) {
            weights.remove(nodeId);
            return this;
        }

        /** Sets the quantizer of an activation tensor. */
        public Builder activation(String tensorName, ActivationQuantizer q) {
            activations.put(tensorName, Objects.requireNonNull(q));
            return this;
        }

        /** Removes an activation quantizer. */
        public Builder removeActivation(String tensorName) {
            activations.remove(tensorName);
            return this;
        }

        /** Sets the bias shift of a node (copied). */
        public Builder biasShift(String nodeId, float[] shift) {
            biasShifts.put(nodeId, shift.clone());
            return this;
        }

        /** Removes a node's bias shift. */
        public Builder removeBiasShift(String nodeId) {
            biasShifts.remove(nodeId);
            return this;
        }

        /** Sets the outlier channels of a dynamically quantized tensor (copied; see {@link QuantizationPlan#floatChannels}). */
        public Builder floatChannels(String tensorName, int[] channels) {
            floatChannels.put(tensorName, channels.clone());
            channelDivisors.remove(tensorName);
            return this;
        }

        /**
         * Sets the outlier channels of a dynamically quantized tensor with their divisors (copied; see
         * {@link QuantizationPlan#channelDivisors}).
         *
         * @throws IllegalArgumentException when the arrays differ in length or a divisor is below 1
         */
        public Builder floatChannels(String tensorName, int[] channels, float[] divisors) {
            if (divisors.length != channels.length) {
                throw new IllegalArgumentException("tensor '" + tensorName + "': " + channels.length + " outlier channels but "
                        + divisors.length + " divisors");
            }
            for (float d : divisors) {
                if (!(d >= 1) || Float.isInfinite(d)) {
                    throw new IllegalArgumentException("tensor '" + tensorName + "': channel divisors must be finite and >= 1, not " + d);
                }
            }
            floatChannels.put(tensorName, channels.clone());
            channelDivisors.put(tensorName, divisors.clone());
            return this;
        }

        /** Removes a tensor's outlier channels. */
        public Builder removeFloatChannels(String tensorName) {
            floatChannels.remove(tensorName);
            channelDivisors.remove(tensorName);
            return this;
        }

        /** Marks a node as kept in FP32. */
        public Builder fp32Node(String nodeId) {
            fp32Nodes.add(nodeId);
            return this;
        }

        /** Records a metadata entry. */
        public Builder metadata(String key, String value) {
            metadata.put(key, value);
            return this;
        }

        /** The immutable plan. */
        public QuantizationPlan build() {
            return new QuantizationPlan(this);
        }
    }
}
