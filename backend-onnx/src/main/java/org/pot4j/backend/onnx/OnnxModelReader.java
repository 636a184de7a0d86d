package org.pot4j.backend.onnx;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.Set;
import org.pot4j.api.ErrorCode;
import org.pot4j.api.Pot4jException;
import org.pot4j.backend.onnx.proto.OnnxProtos.ModelProto;
import org.pot4j.backend.onnx.proto.OnnxProtos.NodeProto;
import org.pot4j.backend.onnx.proto.OnnxProtos.OperatorSetIdProto;
import org.pot4j.backend.onnx.proto.OnnxProtos.StringStringEntryProto;
import org.pot4j.backend.onnx.proto.OnnxProtos.TensorProto;
import org.pot4j.backend.onnx.proto.OnnxProtos.ValueInfoProto;

/**
 * Reads an {@code .onnx} file into a {@link ModelProto}, checks that it is a complete graph, and
 * pulls external-data tensors (resolved relative to the model file) into memory, so everything after
 * loading works on one self-contained proto.
 */
final class OnnxModelReader {
    /** Lowest default-domain opset pot4j handles. */
    static final int MIN_OPSET = 11;

    private OnnxModelReader() {
    }

    /**
     * Parses and validates {@code file}.
     *
     * @throws Pot4jException {@code FILE_NOT_FOUND}, {@code MODEL_CORRUPT}, {@code MODEL_UNSUPPORTED}
     *                        or {@code IO_FAILURE}, naming the file
     */
    /** A parsed model with its external data pulled in, and the bytes it takes on disk (model + data files). */
    record Loaded(ModelProto model, long sizeOnDisk, java.util.List<Path> files) {
    }

    static Loaded read(Path file) {
        if (!Files.exists(file)) {
            throw new Pot4jException(ErrorCode.FILE_NOT_FOUND, file + " does not exist; check the model path");
        }
        if (Files.isDirectory(file)) {
            throw new Pot4jException(ErrorCode.FILE_NOT_FOUND, file + " is a folder; give the path of the .onnx file");
        }
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new Pot4jException(ErrorCode.IO_FAILURE, "cannot read " + file + " (" + e.getMessage() + ")", e);
        }
        if (bytes.length == 0) {
            throw corrupt(file, "the file is empty", null);
        }
        ModelProto model;
        try {
            model = ModelProto.parseFrom(bytes);
        } catch (InvalidProtocolBufferException e) {
            throw corrupt(file, "protobuf: " + e.getMessage(), e);
        }
        checkStructure(file, model);
        Set<Path> dataFiles = new LinkedHashSet<>();
        ModelProto complete = loadExternalData(file, model, dataFiles);
        checkInitializers(file, complete);
        long size = bytes.length;
        for (Path p : dataFiles) {
            try {
                size += Files.size(p);
            } catch (IOException e) {
                // already read successfully; a size is informative only
            }
        }
        java.util.List<Path> files = new java.util.ArrayList<>();
        files.add(file);
        files.addAll(dataFiles);
        return new Loaded(complete, size, java.util.List.copyOf(files));
    }

    /** The default-domain opset the model imports (0 when none). */
    static long defaultOpset(ModelProto model) {
        for (OperatorSetIdProto op : model.getOpsetImportList()) {
            if (op.getDomain().isEmpty() || op.getDomain().equals("ai.onnx")) {
                return op.getVersion();
            }
        }
        return 0;
    }

    static Pot4jException corrupt(Path file, String why, Throwable cause) {
        return new Pot4jException(ErrorCode.MODEL_CORRUPT, file + " is not a valid ONNX model (" + why
                + "); re-export it", cause);
    }

    /**
     * Every initializer must hold exactly the values its dims promise: a damaged file can declare
     * dims its data does not have, and reading past the data must be a clear MODEL_CORRUPT, not a
     * buffer underflow later (found by fuzzing, issue 12).
     */
    private static void checkInitializers(Path file, ModelProto m) {
        for (TensorProto t : m.getGraph().getInitializerList()) {
            long count = 1;
            for (long d : t.getDimsList()) {
                if (d < 0) {
                    throw corrupt(file, "initializer '" + t.getName() + "' has a negative dimension " + t.getDimsList(), null);
                }
                count = d == 0 ? 0 : (count > Integer.MAX_VALUE / d ? Long.MAX_VALUE : count * d);
            }
            if (count > Integer.MAX_VALUE) {
                throw corrupt(file, "initializer '" + t.getName() + "' declares dims " + t.getDimsList() + " (too many elements)", null);
            }
            int size = OnnxTensorProtos.elementSize(t.getDataType());
            if (size == 0) {
                continue;
            }
            long held;
            if (t.hasRawData()) {
                held = t.getRawData().size();
                count *= size;
            } else {
                held = switch (t.getDataType()) {
                    case OnnxTensorProtos.FLOAT -> t.getFloatDataCount();
                    case OnnxTensorProtos.DOUBLE -> t.getDoubleDataCount();
                    case OnnxTensorProtos.INT64 -> t.getInt64DataCount();
                    case TensorProto.DataType.UINT32_VALUE, TensorProto.DataType.UINT64_VALUE -> t.getUint64DataCount();
                    default -> t.getInt32DataCount();
                };
            }
            if (held != count) {
                throw corrupt(file, "initializer '" + t.getName() + "' holds " + held + (t.hasRawData() ? " bytes" : " values")
                        + " but its dims " + t.getDimsList() + " need " + count, null);
            }
        }
    }

    /**
     * A truncated or random file can still parse as a protobuf message; what it cannot do is form a
     * graph where every node input is defined and every output is produced.
     */
    private static void checkStructure(Path file, ModelProto m) {
        if (m.getIrVersion() <= 0 || !m.hasGraph()) {
            throw corrupt(file, "no ir_version or no graph", null);
        }
        if (m.getOpsetImportCount() == 0) {
            throw corrupt(file, "no opset_import", null);
        }
        long opset = defaultOpset(m);
        if (opset == 0) {
            throw corrupt(file, "it imports no default-domain opset", null);
        }
        if (opset < MIN_OPSET) {
            throw new Pot4jException(ErrorCode.MODEL_UNSUPPORTED, file + " uses opset " + opset + "; pot4j needs opset "
                    + MIN_OPSET + " or newer; convert it (e.g. onnx.version_converter) or re-export with opset 13+");
        }
        var g = m.getGraph();
        if (g.getNodeCount() == 0 || g.getOutputCount() == 0) {
            throw corrupt(file, "the graph has no nodes or no outputs", null);
        }
        Set<String> defined = new HashSet<>();
        for (ValueInfoProto in : g.getInputList()) {
            defined.add(in.getName());
        }
        for (TensorProto t : g.getInitializerList()) {
            defined.add(t.getName());
        }
        for (var st : g.getSparseInitializerList()) {
            defined.add(st.getValues().getName());
        }
        for (NodeProto n : g.getNodeList()) {
            for (String in : n.getInputList()) {
                if (!in.isEmpty() && !defined.contains(in)) {
                    throw corrupt(file, "node '" + n.getName() + "' (" + n.getOpType() + ") reads '" + in
                            + "', which nothing defines before it", null);
                }
            }
            defined.addAll(n.getOutputList());
        }
        for (ValueInfoProto out : g.getOutputList()) {
            if (!defined.contains(out.getName())) {
                throw corrupt(file, "graph output '" + out.getName() + "' is never produced", null);
            }
        }
    }

    private static ModelProto loadExternalData(Path file, ModelProto m, Set<Path> files) {
        boolean any = m.getGraph().getInitializerList().stream()
                .anyMatch(t -> t.getDataLocation() == TensorProto.DataLocation.EXTERNAL);
        if (!any) {
            return m;
        }
        Path dir = file.toAbsolutePath().getParent();
        ModelProto.Builder mb = m.toBuilder();
        var gb = mb.getGraphBuilder();
        for (int i = 0; i < gb.getInitializerCount(); i++) {
            TensorProto t = gb.getInitializer(i);
            if (t.getDataLocation() != TensorProto.DataLocation.EXTERNAL) {
                continue;
            }
            String location = null;
            long offset = 0;
            long length = -1;
            for (StringStringEntryProto e : t.getExternalDataList()) {
                switch (e.getKey()) {
                    case "location" -> location = e.getValue();
                    case "offset" -> offset = parseLong(file, t, e.getValue());
                    case "length" -> length = parseLong(file, t, e.getValue());
                    default -> {
                        // checksum and others are optional hints
                    }
                }
            }
            if (location == null || location.isEmpty()) {
                throw corrupt(file, "tensor '" + t.getName() + "' is external but names no location", null);
            }
            Path data = dir.resolve(location).normalize();
            if (!data.startsWith(dir)) {
                throw corrupt(file, "tensor '" + t.getName() + "' points outside the model folder (" + location + ")", null);
            }
            if (!Files.isRegularFile(data)) {
                throw new Pot4jException(ErrorCode.FILE_NOT_FOUND, "external data file " + data + " of " + file
                        + " (tensor '" + t.getName() + "') does not exist; keep it next to the model");
            }
            files.add(data);
            byte[] bytes = readRange(file, t, data, offset, length);
            gb.setInitializer(i, t.toBuilder().clearExternalData().clearDataLocation()
                    .setRawData(ByteString.copyFrom(bytes)).build());
        }
        return mb.build();
    }

    private static byte[] readRange(Path model, TensorProto t, Path data, long offset, long length) {
        try (RandomAccessFile raf = new RandomAccessFile(data.toFile(), "r")) {
            long size = raf.length();
            long n = length >= 0 ? length
                    : (long) OnnxTensorProtos.elementCount(t) * OnnxTensorProtos.elementSize(t.getDataType());
            if (offset < 0 || n < 0 || offset + n > size || n > Integer.MAX_VALUE) {
                throw corrupt(model, "tensor '" + t.getName() + "' wants bytes " + offset + ".." + (offset + n)
                        + " of " + data.getFileName() + ", which has " + size, null);
            }
            byte[] out = new byte[(int) n];
            raf.seek(offset);
            raf.readFully(out);
            return out;
        } catch (IOException e) {
            throw new Pot4jException(ErrorCode.IO_FAILURE, "cannot read external data " + data + " (" + e.getMessage() + ")", e);
        }
    }

    private static long parseLong(Path file, TensorProto t, String v) {
        try {
            return Long.parseLong(v.trim());
        } catch (NumberFormatException e) {
            throw corrupt(file, "tensor '" + t.getName() + "' has a bad external-data number '" + v + "'", e);
        }
    }
}
