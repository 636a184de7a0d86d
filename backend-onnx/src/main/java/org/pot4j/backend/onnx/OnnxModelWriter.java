package org.pot4j.backend.onnx;

import com.google.protobuf.ByteString;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import org.pot4j.api.io.AtomicFiles;
import org.pot4j.api.ErrorCode;
import org.pot4j.api.Pot4jException;
import org.pot4j.backend.onnx.proto.OnnxProtos.GraphProto;
import org.pot4j.backend.onnx.proto.OnnxProtos.ModelProto;
import org.pot4j.backend.onnx.proto.OnnxProtos.StringStringEntryProto;
import org.pot4j.backend.onnx.proto.OnnxProtos.TensorProto;

/**
 * Writes a model file atomically: everything goes to temporary siblings that are moved into place
 * only once complete, so a failure never leaves a half-written model. Tensors stay inline while
 * the model fits comfortably in one protobuf message; above {@code externalThreshold} bytes of
 * tensor data, tensors of 1 KiB or more go to {@code <file>.data} next to the model (the ONNX
 * external-data layout).
 */
final class OnnxModelWriter {
    /** Default limit of inline tensor data: protobuf messages cannot exceed 2 GiB. */
    static final long DEFAULT_EXTERNAL_THRESHOLD = 1L << 30;
    private static final int EXTERNAL_MIN_TENSOR = 1024;

    private final long externalThreshold;

    OnnxModelWriter(long externalThreshold) {
        this.externalThreshold = externalThreshold;
    }

    /**
     * Writes {@code model} to {@code target}.
     *
     * @throws Pot4jException {@code IO_FAILURE} when the file cannot be written
     */
    void write(ModelProto model, Path target) {
        Path abs = target.toAbsolutePath();
        Path dir = abs.getParent();
        String fileName = abs.getFileName().toString();
        Path tmpModel = null;
        Path tmpData = null;
        try {
            Files.createDirectories(dir);
            if (Files.isDirectory(abs)) {
                throw new Pot4jException(ErrorCode.IO_FAILURE, "cannot write the model to " + abs
                        + ": it is a folder; give a file name ending in .onnx");
            }
            long tensorBytes = 0;
            for (TensorProto t : model.getGraph().getInitializerList()) {
                tensorBytes += OnnxTensorProtos.dataBytes(t);
            }
            tmpModel = Files.createTempFile(dir, "." + fileName + ".", ".tmp");
            Path dataTarget = dir.resolve(fileName + ".data");
            ModelProto toWrite = model;
            if (tensorBytes > externalThreshold) {
                tmpData = Files.createTempFile(dir, "." + fileName + ".data.", ".tmp");
                toWrite = externalize(model, tmpData, dataTarget.getFileName().toString());
            }
            try (OutputStream out = Files.newOutputStream(tmpModel)) {
                toWrite.writeTo(out);
            }
            readableByAll(tmpModel);
            readableByAll(tmpData);
            if (tmpData != null) {
                move(tmpData, dataTarget);
                tmpData = null;
            } else if (Files.exists(abs)) {
                // a previous, larger version of this model may have left its external data behind
                Files.deleteIfExists(dataTarget);
            }
            move(tmpModel, abs);
            tmpModel = null;
        } catch (IOException e) {
            throw new Pot4jException(ErrorCode.IO_FAILURE, "cannot write the model to " + abs + " (" + e.getMessage()
                    + "); check the folder exists and is writable", e);
        } finally {
            deleteQuietly(tmpModel);
            deleteQuietly(tmpData);
        }
    }

    private static ModelProto externalize(ModelProto model, Path dataFile, String location) throws IOException {
        GraphProto.Builder gb = model.getGraph().toBuilder();
        long offset = 0;
        try (OutputStream out = Files.newOutputStream(dataFile)) {
            for (int i = 0; i < gb.getInitializerCount(); i++) {
                TensorProto t = gb.getInitializer(i);
                if (!t.hasRawData() || t.getRawData().size() < EXTERNAL_MIN_TENSOR) {
                    continue;
                }
                // ORT maps external data with page alignment in mind; 4 KiB keeps every tensor aligned
                long aligned = (offset + 4095) / 4096 * 4096;
                for (long p = offset; p < aligned; p++) {
                    out.write(0);
                }
                offset = aligned;
                ByteString raw = t.getRawData();
                raw.writeTo(out);
                gb.setInitializer(i, t.toBuilder().clearRawData()
                        .setDataLocation(TensorProto.DataLocation.EXTERNAL)
                        .addExternalData(entry("location", location))
                        .addExternalData(entry("offset", Long.toString(offset)))
                        .addExternalData(entry("length", Long.toString(raw.size()))).build());
                offset += raw.size();
            }
        }
        return model.toBuilder().setGraph(gb).build();
    }

    private static StringStringEntryProto entry(String k, String v) {
        return StringStringEntryProto.newBuilder().setKey(k).setValue(v).build();
    }

    private static void move(Path from, Path to) throws IOException {
        AtomicFiles.move(from, to);
    }

    /** Temp files are created owner-only; a saved model should be as readable as any other file. */
    private static void readableByAll(Path p) {
        if (p == null) {
            return;
        }
        try {
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rw-r--r--"));
        } catch (UnsupportedOperationException | IOException e) {
            // not a POSIX file system: keep the default permissions
        }
    }

    private static void deleteQuietly(Path p) {
        if (p != null) {
            try {
                Files.deleteIfExists(p);
            } catch (IOException e) {
                // best effort: the temp file has a dot name and is harmless
            }
        }
    }
}
