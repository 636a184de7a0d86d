package org.pot4j.backend.onnx;

import java.util.Collection;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;

/**
 * Measured times (fastest of interleaved rounds) of ONNX Runtime's integer kernels on one CPU, per operator kind and
 * activation storage ({@link OnnxActivationEncoding}), as {@link OnnxKernelBenchmark} timed them.
 * The writer asks it which of the storages a tensor's quantizer allows runs fastest for the
 * operators that read and write the tensor. A storage other than the writer's default is taken
 * only when it is faster by more than {@link #MARGIN}, so run-to-run noise never flips a choice.
 *
 * @param cpu         the CPU it was measured on ({@code Int8CpuFeatures.Cpu#describe()})
 * @param onnxRuntime the ONNX Runtime version it was measured with
 * @param micros      microseconds per run (fastest round) of each kind's micro-model, by activation storage
 * @param fp32        microseconds of each kind's FP32 micro-model (for the record)
 * @param int8Native  whether ORT runs int8 activations natively (read from its optimized graph): when
 *                    false (x86) it rewrites int8 Q/DQ pairs to uint8 before fusing, so int8 times
 *                    are the uint8 kernels plus noise and int8 storage is never chosen
 */
record OnnxKernelTable(String cpu, String onnxRuntime, Map<Kind, Map<OnnxActivationEncoding, Double>> micros,
                       Map<Kind, Double> fp32, boolean int8Native) {
    /** A storage replaces the default only when its summed relative time is this much smaller (noise on a shared CPU is ~5%). */
    static final double MARGIN = 0.10;

    /** Operator kinds with a micro-model: the integer kernels CNNs and linear layers spend their time in. */
    enum Kind {
        /** QLinearConv, dense (ResNet's 3x3 and 1x1 convs). */
        CONV,
        /** QLinearConv with one group per channel (MobileNet's depthwise convs). */
        DEPTHWISE_CONV,
        /** QLinearMatMul / QGemm. */
        MATMUL,
        /** QLinearAdd (residual adds; stands for the other elementwise integer kernels). */
        ADD;

        String key() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** Copies and validates. */
    OnnxKernelTable {
        EnumMap<Kind, Map<OnnxActivationEncoding, Double>> copy = new EnumMap<>(Kind.class);
        micros.forEach((k, v) -> copy.put(k, v.isEmpty() ? Map.of() : Map.copyOf(new EnumMap<>(v))));
        micros = Map.copyOf(copy);
        fp32 = Map.copyOf(fp32);
    }

    /**
     * Of the {@code allowed} storages (each exactly representing the tensor's quantizer, or accepted
     * by the caller's resolution rule), the one whose kernels run fastest for the {@code kinds} that
     * read or write the tensor: each kind's time relative to {@code current}'s, summed. Returns
     * {@code current} when no kind was measured or nothing is faster by more than {@link #MARGIN}.
     */
    OnnxActivationEncoding fastest(Set<Kind> kinds, OnnxActivationEncoding current,
                                   Collection<OnnxActivationEncoding> allowed) {
        OnnxActivationEncoding best = current;
        double bestCost = Double.POSITIVE_INFINITY;
        int counted = 0;
        for (OnnxActivationEncoding e : allowed) {
            if (e.signed() && !int8Native && e != current) {
                continue;
            }
            double cost = 0;
            int n = 0;
            for (Kind k : kinds) {
                Map<OnnxActivationEncoding, Double> row = micros.getOrDefault(k, Map.of());
                Double base = row.get(current);
                if (base == null || !(base > 0)) {
                    continue;
                }
                Double t = row.get(e);
                cost += t == null ? Double.POSITIVE_INFINITY : t / base;
                n++;
            }
            counted = Math.max(counted, n);
            if (n > 0 && cost < bestCost) {
                bestCost = cost;
                best = e;
            }
        }
        if (counted == 0 || best == current || !(bestCost < counted * (1 - MARGIN))) {
            return current;
        }
        return best;
    }

    /** As properties for the cache file. */
    Properties toProperties() {
        Properties p = new Properties();
        p.setProperty("cpu", cpu);
        p.setProperty("onnxruntime", onnxRuntime);
        p.setProperty("int8_native", String.valueOf(int8Native));
        micros.forEach((k, row) -> row.forEach((e, t) -> p.setProperty(k.key() + "." + e.key(), format(t))));
        fp32.forEach((k, t) -> p.setProperty(k.key() + ".fp32", format(t)));
        return p;
    }

    /** The table in {@code p}, or null when it is incomplete or unreadable (then it is measured again). */
    static OnnxKernelTable fromProperties(Properties p) {
        String cpu = p.getProperty("cpu");
        String ort = p.getProperty("onnxruntime");
        String nativeInt8 = p.getProperty("int8_native");
        if (cpu == null || ort == null || nativeInt8 == null) {
            return null;
        }
        EnumMap<Kind, Map<OnnxActivationEncoding, Double>> micros = new EnumMap<>(Kind.class);
        EnumMap<Kind, Double> fp32 = new EnumMap<>(Kind.class);
        try {
            for (Kind k : Kind.values()) {
                EnumMap<OnnxActivationEncoding, Double> row = new EnumMap<>(OnnxActivationEncoding.class);
                for (OnnxActivationEncoding e : OnnxActivationEncoding.values()) {
                    String v = p.getProperty(k.key() + "." + e.key());
                    if (v != null) {
                        row.put(e, positive(v));
                    }
                }
                if (row.isEmpty()) {
                    return null;
                }
                micros.put(k, row);
                String f = p.getProperty(k.key() + ".fp32");
                if (f != null) {
                    fp32.put(k, positive(f));
                }
            }
        } catch (IllegalArgumentException e) {
            return null;
        }
        return new OnnxKernelTable(cpu, ort, micros, fp32, Boolean.parseBoolean(nativeInt8));
    }

    /** One line per kind, for the log: {@code conv: u8_zp0 312us s8_zp0 305us ... fp32 900us}. */
    String describe() {
        StringBuilder sb = new StringBuilder("int8 kernel times on " + cpu + ", ONNX Runtime " + onnxRuntime
                + (int8Native ? " (int8 activations native)" : " (int8 activations rewritten to uint8)") + ":");
        for (Kind k : Kind.values()) {
            sb.append("\n  ").append(k.key()).append(':');
            micros.getOrDefault(k, Map.of()).entrySet().stream().sorted(Map.Entry.comparingByKey())
                    .forEach(e -> sb.append(' ').append(e.getKey().key()).append(' ').append(format(e.getValue())).append("us"));
            if (fp32.containsKey(k)) {
                sb.append(" fp32 ").append(format(fp32.get(k))).append("us");
            }
        }
        return sb.toString();
    }

    private static double positive(String v) {
        double d = Double.parseDouble(v.trim());
        if (!(d > 0) || !Double.isFinite(d)) {
            throw new IllegalArgumentException(v);
        }
        return d;
    }

    private static String format(double micros) {
        return String.format(Locale.ROOT, "%.1f", micros);
    }
}
