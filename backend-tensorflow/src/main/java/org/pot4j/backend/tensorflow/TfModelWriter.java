package org.pot4j.backend.tensorflow;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.pot4j.api.io.AtomicFiles;
import org.pot4j.api.io.FileTrees;
import org.pot4j.api.ErrorCode;
import org.pot4j.api.Pot4jException;
import org.tensorflow.TensorFlow;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.proto.MetaGraphDef;
import org.tensorflow.proto.SavedModel;
import org.tensorflow.proto.SignatureDef;
import org.tensorflow.proto.TensorInfo;

/**
 * Writes rewritten graphs to disk, always into a temporary sibling first and then moved into
 * place, so a failure never leaves a half-written model.
 *
 * <p>A SavedModel is written in the TF1 layout that every TensorFlow loader reads: one meta graph
 * tagged {@code serve} whose graph holds all weights as constants (no {@code variables/} checkpoint
 * to restore), and one prediction signature with the original input and output keys. pot4j's plan
 * metadata goes to {@code assets.extra/pot4j.json}, the folder SavedModel reserves for extra files.
 */
final class TfModelWriter {
    private TfModelWriter() {
    }

    /** Writes a SavedModel folder at {@code target}, replacing an earlier SavedModel there. */
    static void writeSavedModel(GraphDef graph, String signatureKey, List<TfEndpoint> inputs, List<TfEndpoint> outputs,
                                List<String> outputTensors, Map<String, String> metadata, Path target) {
        SignatureDef.Builder sig = SignatureDef.newBuilder().setMethodName("tensorflow/serving/predict");
        for (TfEndpoint in : inputs) {
            sig.putInputs(in.key(), tensorInfo(in, in.tensor()));
        }
        for (int i = 0; i < outputs.size(); i++) {
            sig.putOutputs(outputs.get(i).key(), tensorInfo(outputs.get(i), outputTensors.get(i)));
        }
        MetaGraphDef meta = MetaGraphDef.newBuilder()
                .setMetaInfoDef(MetaGraphDef.MetaInfoDef.newBuilder().addTags("serve").setTensorflowVersion(TensorFlow.version()))
                .setGraphDef(graph)
                .putSignatureDef(signatureKey, sig.build())
                .build();
        byte[] model = deterministicBytes(SavedModel.newBuilder().setSavedModelSchemaVersion(1).addMetaGraphs(meta).build());
        Path absolute = target.toAbsolutePath();
        if (Files.exists(absolute) && !isReplaceableFolder(absolute)) {
            throw new Pot4jException(ErrorCode.IO_FAILURE, target + " exists and is not a SavedModel folder; pot4j will not"
                    + " overwrite it - choose another output path");
        }
        Path tmp = null;
        try {
            Files.createDirectories(absolute.getParent());
            tmp = Files.createTempDirectory(absolute.getParent(), "." + absolute.getFileName() + ".tmp-");
            Files.write(tmp.resolve(TfModelReader.SAVED_MODEL_PB), model);
            Files.createDirectories(tmp.resolve("variables"));
            Files.createDirectories(tmp.resolve("assets.extra"));
            Files.writeString(tmp.resolve("assets.extra").resolve("pot4j.json"), json(metadata), StandardCharsets.UTF_8);
            replace(tmp, absolute);
            tmp = null;
        } catch (IOException | UncheckedIOException e) {
            throw new Pot4jException(ErrorCode.IO_FAILURE, "cannot write SavedModel " + target + ": " + e.getMessage(), e);
        } finally {
            deleteQuietly(tmp);
        }
    }

    /** Writes a frozen GraphDef file at {@code target}. */
    static void writeGraphDef(GraphDef graph, Path target) {
        Path absolute = target.toAbsolutePath();
        if (Files.isDirectory(absolute)) {
            throw new Pot4jException(ErrorCode.IO_FAILURE, target + " is a folder; give a .pb file name for a frozen graph");
        }
        Path tmp = null;
        try {
            Files.createDirectories(absolute.getParent());
            tmp = Files.createTempFile(absolute.getParent(), "." + absolute.getFileName() + ".tmp-", "");
            Files.write(tmp, deterministicBytes(graph));
            move(tmp, absolute);
            tmp = null;
        } catch (IOException e) {
            throw new Pot4jException(ErrorCode.IO_FAILURE, "cannot write frozen graph " + target + ": " + e.getMessage(), e);
        } finally {
            deleteQuietly(tmp);
        }
    }

    /**
     * The message's bytes with map entries (node attributes, signatures) sorted by key: protobuf
     * otherwise writes maps in insertion order, which differs between loads of the same model (the
     * function inliner and the variable freezer build attribute maps in different orders), so two
     * identical runs would write different files.
     */
    static byte[] deterministicBytes(com.google.protobuf.MessageLite message) {
        byte[] out = new byte[message.getSerializedSize()];
        com.google.protobuf.CodedOutputStream c = com.google.protobuf.CodedOutputStream.newInstance(out);
        c.useDeterministicSerialization();
        try {
            message.writeTo(c);
            c.checkNoSpaceLeft();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    /** Total size of a file, or of all files under a folder. */
    static long sizeOnDisk(Path path) {
        try {
            return FileTrees.size(path);
        } catch (IOException e) {
            throw new Pot4jException(ErrorCode.IO_FAILURE, "cannot read the size of " + path + ": " + e.getMessage(), e);
        }
    }

    private static TensorInfo tensorInfo(TfEndpoint e, String tensor) {
        return TensorInfo.newBuilder()
                .setName(tensor)
                .setDtype(TfDataTypes.toTf(e.dataType()))
                .setTensorShape(TfTensors.shapeProto(e.shape()))
                .build();
    }

    /** An existing target may be replaced only when it is an earlier SavedModel or an empty folder. */
    private static boolean isReplaceableFolder(Path p) {
        if (!Files.isDirectory(p)) {
            return false;
        }
        if (Files.isRegularFile(p.resolve(TfModelReader.SAVED_MODEL_PB))) {
            return true;
        }
        try (Stream<Path> s = Files.list(p)) {
            return s.findAny().isEmpty();
        } catch (IOException e) {
            return false;
        }
    }

    private static void replace(Path fresh, Path target) throws IOException {
        if (!Files.exists(target)) {
            move(fresh, target);
            return;
        }
        Path old = Files.createTempDirectory(target.getParent(), "." + target.getFileName() + ".old-");
        Files.delete(old);
        move(target, old);
        try {
            move(fresh, target);
        } catch (IOException e) {
            move(old, target);
            throw e;
        }
        deleteQuietly(old);
    }

    private static void move(Path from, Path to) throws IOException {
        AtomicFiles.move(from, to);
    }

    private static void deleteQuietly(Path p) {
        if (p == null || !Files.exists(p)) {
            return;
        }
        try (Stream<Path> s = Files.walk(p)) {
            s.sorted(Comparator.reverseOrder()).forEach(f -> {
                try {
                    Files.deleteIfExists(f);
                } catch (IOException ignored) {
                    // best effort: a leftover temp file is harmless
                }
            });
        } catch (IOException ignored) {
            // best effort
        }
    }

    private static String json(Map<String, String> metadata) {
        StringBuilder sb = new StringBuilder("{\n  \"producer\": \"pot4j tensorflow backend\",\n  \"metadata\": {");
        String sep = "\n    ";
        for (Map.Entry<String, String> e : metadata.entrySet()) {
            sb.append(sep).append(quote(e.getKey())).append(": ").append(quote(e.getValue()));
            sep = ",\n    ";
        }
        return sb.append(metadata.isEmpty() ? "}\n}\n" : "\n  }\n}\n").toString();
    }

    private static String quote(String s) {
        StringBuilder sb = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"': sb.append("\\\""); break;
                case '\\': sb.append("\\\\"); break;
                case '\n': sb.append("\\n"); break;
                case '\r': sb.append("\\r"); break;
                case '\t': sb.append("\\t"); break;
                default:
                    if (c < 0x20) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
            }
        }
        return sb.append('"').toString();
    }
}
