package org.pot4j.backend.onnx.benchmarks;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtLoggingLevel;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/**
 * A benchmark, not a test (the build never runs it): times several ONNX files of the same network
 * (FP32 and INT8 variants from different quantizers) in <b>one</b> ONNX Runtime process, the same
 * Java ORT the backend uses, interleaved round by round (A B C / C B A, ...) so that noise from
 * other processes hits every variant alike; prints the median latency per batch size and each
 * variant's speed-up over the first file, with the CPU named.
 *
 * <pre>
 * java -cp CLASSPATH org.pot4j.backend.onnx.benchmarks.OnnxLatencyBenchmark \
 *     [--threads 2] [--batch 1,8] [--rounds 9] [--min-ms 250] [--islands] fp32=net.onnx pot4j=net-int8.onnx ort=net-ort.onnx
 * </pre>
 * {@code --islands} also prints, per file, the float ops ORT leaves between a DequantizeLinear and
 * a QuantizeLinear after its optimizer ({@link OnnxFloatIslands}).
 * Inputs are synthesized from the model's input types: float tensors from a Gaussian, int64 token
 * ids in [0, 1000) with an all-ones {@code *mask*} and all-zeros {@code *type*} input (BERT-style
 * encoders). Dynamic dimensions other than the batch become 64. See backend-onnx/README.md.
 */
public final class OnnxLatencyBenchmark {
    private OnnxLatencyBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int threads = 2;
        int rounds = 9;
        long minNanos = 250_000_000L;
        int[] batches = {1, 8};
        boolean islands = false;
        Map<String, Path> models = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--threads" -> threads = Integer.parseInt(args[++i]);
                case "--rounds" -> rounds = Integer.parseInt(args[++i]);
                case "--min-ms" -> minNanos = Long.parseLong(args[++i]) * 1_000_000L;
                case "--islands" -> islands = true;
                case "--batch" -> batches = Arrays.stream(args[++i].split(",")).mapToInt(Integer::parseInt).toArray();
                default -> {
                    int eq = args[i].indexOf('=');
                    if (eq <= 0) {
                        throw new IllegalArgumentException("expected label=model.onnx, got " + args[i]);
                    }
                    models.put(args[i].substring(0, eq), Path.of(args[i].substring(eq + 1)));
                }
            }
        }
        if (models.isEmpty()) {
            System.err.println("usage: OnnxLatencyBenchmark [--threads N] [--batch 1,8] [--rounds N] [--min-ms N] label=model.onnx ...");
            System.exit(2);
        }
        OrtEnvironment env = OrtEnvironment.getEnvironment(OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR, "pot4j-benchmark");
        System.out.printf("CPU: %s; ONNX Runtime %s (Java), %d intra-op threads, %d interleaved rounds, medians%n",
                cpu(), env.getVersion(), threads, rounds);
        Map<String, OrtSession> sessions = new LinkedHashMap<>();
        try (OrtSession.SessionOptions so = new OrtSession.SessionOptions()) {
            so.setIntraOpNumThreads(threads);
            so.setInterOpNumThreads(1);
            so.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            for (Map.Entry<String, Path> e : models.entrySet()) {
                sessions.put(e.getKey(), env.createSession(e.getValue().toString(), so));
                if (islands) {
                    System.out.println(e.getKey() + ": " + OnnxFloatIslands.describe(env, e.getValue(), threads));
                }
            }
            StringBuilder head = new StringBuilder("| batch |");
            StringBuilder rule = new StringBuilder("|---|");
            for (String label : models.keySet()) {
                head.append(' ').append(label).append(" ms |");
                rule.append("---|");
            }
            for (String label : new ArrayList<>(models.keySet()).subList(1, models.size())) {
                head.append(' ').append(label).append(" speed-up |");
                rule.append("---|");
            }
            System.out.println(head);
            System.out.println(rule);
            for (int batch : batches) {
                double[] medians = time(env, sessions, batch, rounds, minNanos);
                StringBuilder row = new StringBuilder("| " + batch + " |");
                for (double m : medians) {
                    row.append(String.format(Locale.ROOT, " %.2f |", m));
                }
                for (int k = 1; k < medians.length; k++) {
                    row.append(String.format(Locale.ROOT, " %.2fx |", medians[0] / medians[k]));
                }
                System.out.println(row);
            }
        } finally {
            for (OrtSession s : sessions.values()) {
                s.close();
            }
        }
    }

    /** Median milliseconds per inference of each session, interleaved A B C / C B A by round. */
    private static double[] time(OrtEnvironment env, Map<String, OrtSession> sessions, int batch, int rounds,
                                 long minNanos) throws OrtException {
        List<OrtSession> list = new ArrayList<>(sessions.values());
        List<Map<String, OnnxTensor>> feeds = new ArrayList<>();
        for (OrtSession s : list) {
            feeds.add(inputs(env, s, batch));
        }
        try {
            int[] runs = new int[list.size()];
            for (int k = 0; k < list.size(); k++) {
                long t0 = System.nanoTime();
                int n = 0;
                do {
                    run(list.get(k), feeds.get(k));
                    n++;
                } while (System.nanoTime() - t0 < minNanos / 2 || n < 2);
                runs[k] = Math.max(2, (int) Math.ceil(n * (double) minNanos / (System.nanoTime() - t0)));
            }
            double[][] perRound = new double[list.size()][rounds];
            for (int r = 0; r < rounds; r++) {
                for (int j = 0; j < list.size(); j++) {
                    int k = r % 2 == 0 ? j : list.size() - 1 - j;
                    long t0 = System.nanoTime();
                    for (int i = 0; i < runs[k]; i++) {
                        run(list.get(k), feeds.get(k));
                    }
                    perRound[k][r] = (System.nanoTime() - t0) / 1e6 / runs[k];
                }
            }
            double[] medians = new double[list.size()];
            for (int k = 0; k < list.size(); k++) {
                double[] v = perRound[k].clone();
                Arrays.sort(v);
                medians[k] = v[v.length / 2];
            }
            return medians;
        } finally {
            for (Map<String, OnnxTensor> f : feeds) {
                f.values().forEach(OnnxTensor::close);
            }
        }
    }

    private static void run(OrtSession s, Map<String, OnnxTensor> feed) throws OrtException {
        try (OrtSession.Result r = s.run(feed)) {
            r.size();
        }
    }

    private static Map<String, OnnxTensor> inputs(OrtEnvironment env, OrtSession s, int batch) throws OrtException {
        Map<String, OnnxTensor> out = new LinkedHashMap<>();
        Random random = new Random(7);
        for (Map.Entry<String, NodeInfo> e : s.getInputInfo().entrySet()) {
            TensorInfo info = (TensorInfo) e.getValue().getInfo();
            long[] shape = info.getShape().clone();
            for (int d = 0; d < shape.length; d++) {
                if (shape[d] < 0) {
                    shape[d] = d == 0 ? batch : 64;
                }
            }
            int n = (int) Arrays.stream(shape).reduce(1, (a, b) -> a * b);
            String name = e.getKey().toLowerCase(Locale.ROOT);
            if (info.type == OnnxJavaType.INT64) {
                long[] v = new long[n];
                for (int i = 0; i < n; i++) {
                    v[i] = name.contains("mask") ? 1 : name.contains("type") ? 0 : random.nextInt(1000);
                }
                out.put(e.getKey(), OnnxTensor.createTensor(env, LongBuffer.wrap(v), shape));
            } else {
                float[] v = new float[n];
                for (int i = 0; i < n; i++) {
                    v[i] = (float) random.nextGaussian();
                }
                out.put(e.getKey(), OnnxTensor.createTensor(env, FloatBuffer.wrap(v), shape));
            }
        }
        return out;
    }

    /** CPU model name and the integer-kernel features ORT's MLAS dispatches on. */
    static String cpu() {
        try {
            String info = Files.readString(Path.of("/proc/cpuinfo"));
            String model = info.lines().filter(l -> l.startsWith("model name")).findFirst()
                    .map(l -> l.substring(l.indexOf(':') + 1).trim()).orElse(System.getProperty("os.arch"));
            List<String> features = new ArrayList<>();
            for (String f : List.of("avx2", "avx512f", "avx512_vnni", "avx_vnni", "amx_int8")) {
                if (info.contains(" " + f + " ") || info.contains(" " + f + "\n")) {
                    features.add(f);
                }
            }
            return model + " (" + String.join(", ", features) + ")";
        } catch (IOException | RuntimeException e) {
            return System.getProperty("os.arch");
        }
    }
}
