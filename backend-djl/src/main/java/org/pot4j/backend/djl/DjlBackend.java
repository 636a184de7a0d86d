package org.pot4j.backend.djl;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.pot4j.api.DataType;
import org.pot4j.api.ErrorCode;
import org.pot4j.api.Pot4jException;
import org.pot4j.api.model.BackendCapability;
import org.pot4j.api.model.Model;
import org.pot4j.api.model.ModelBackend;
import org.pot4j.api.model.TensorInfo;

/**
 * Loads TorchScript archives. {@link #accepts} claims {@code .pt}/{@code .pth} zip files that hold
 * a TorchScript archive ({@code code/}, {@code data.pkl}, {@code constants.pkl}); {@link #load}
 * tells an eager {@code torch.save} pickle (a state_dict) apart and explains how to export instead.
 */
final class DjlBackend implements ModelBackend<DjlLoadOptions> {
    private static final Set<BackendCapability> CAPABILITIES = capabilitiesOfThisCpu();

    /** With SATURATING_INT8_KERNELS on x86 without VNNI, where the engine then defaults to 7-bit weights. */
    private static Set<BackendCapability> capabilitiesOfThisCpu() {
        Set<BackendCapability> caps = EnumSet.of(BackendCapability.PER_CHANNEL_WEIGHTS,
                BackendCapability.ACTIVATION_QUANTIZATION, BackendCapability.ASYMMETRIC_ACTIVATIONS,
                BackendCapability.BIAS_CORRECTION, BackendCapability.INTERMEDIATE_OUTPUTS,
                BackendCapability.INT8_WEIGHT_STORAGE);
        if (DjlQuantizedEngine.u8s8Saturates()) {
            caps.add(BackendCapability.SATURATING_INT8_KERNELS);
        }
        return java.util.Collections.unmodifiableSet(caps);
    }

    @Override
    public String name() {
        return DjlBackendProvider.NAME;
    }

    @Override
    public Set<BackendCapability> capabilities() {
        return CAPABILITIES;
    }

    @Override
    public boolean accepts(Path path) {
        String n = path.getFileName() == null ? "" : path.getFileName().toString().toLowerCase(Locale.ROOT);
        if (!(n.endsWith(".pt") || n.endsWith(".pth")) || !Files.isRegularFile(path) || !TorchScriptArchive.isZip(path)) {
            return false;
        }
        try (java.util.zip.ZipFile zip = new java.util.zip.ZipFile(path.toFile())) {
            boolean code = false;
            boolean data = false;
            boolean constants = false;
            for (var en = zip.entries(); en.hasMoreElements();) {
                String e = en.nextElement().getName();
                int slash = e.indexOf('/');
                String rel = slash < 0 ? e : e.substring(slash + 1);
                code |= rel.startsWith("code/");
                data |= rel.equals("data.pkl");
                constants |= rel.equals("constants.pkl");
            }
            return code && data && constants;
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public Model load(Path path, DjlLoadOptions options) {
        if (!Files.exists(path)) {
            throw new Pot4jException(ErrorCode.FILE_NOT_FOUND, path + " does not exist; check the model path");
        }
        if (!Files.isRegularFile(path)) {
            throw new Pot4jException(ErrorCode.MODEL_UNSUPPORTED, path + " is a folder; the djl backend loads a TorchScript .pt file");
        }
        String file = path.getFileName().toString();
        if (!TorchScriptArchive.isZip(path)) {
            if (startsWithPickle(path)) {
                throw new Pot4jException(ErrorCode.MODEL_UNSUPPORTED, file
                        + " is a legacy torch.save pickle, not TorchScript; export with torch.jit.trace/script");
            }
            throw new Pot4jException(ErrorCode.MODEL_CORRUPT, file
                    + " is not a TorchScript archive (not a zip file); export with torch.jit.trace/script and torch.jit.save");
        }
        TorchScriptArchive archive = TorchScriptArchive.read(path);
        boolean hasCode = false;
        for (String r : archive.names()) {
            hasCode |= r.startsWith("code/");
        }
        if (!hasCode || !archive.has("data.pkl")) {
            if (archive.has("data.pkl")) {
                String eagerClass = eagerPickleClass(archive.get("data.pkl"));
                if (eagerClass != null) {
                    throw new Pot4jException(ErrorCode.MODEL_UNSUPPORTED, file + " is an eager torch.save pickle of a "
                            + eagerClass + " object, not TorchScript (it holds no code); pot4j needs a TorchScript archive:"
                            + " torch.jit.save(torch.jit.trace(model, example_input), path) or torch.jit.script(model)");
                }
                throw new Pot4jException(ErrorCode.MODEL_UNSUPPORTED, file
                        + " is a state_dict, not TorchScript; export with torch.jit.trace/script");
            }
            if (!archive.has("version") && !archive.has(".format_version")) {
                List<String> entries = new ArrayList<>();
                archive.names().forEach(n -> {
                    if (entries.size() < 5) {
                        entries.add(n);
                    }
                });
                throw new Pot4jException(ErrorCode.MODEL_UNSUPPORTED, file + " is a zip file but not a PyTorch archive"
                        + " (no code/, data.pkl or version; entries " + entries + "); pot4j needs a TorchScript archive"
                        + " written by torch.jit.save after torch.jit.trace/script");
            }
            throw new Pot4jException(ErrorCode.MODEL_UNSUPPORTED, file + " has no data.pkl: a TorchScript archive older"
                    + " than torch 1.4 or not TorchScript at all; re-export with torch.jit.trace/script and a newer torch");
        }
        Object root;
        try {
            root = PickleReader.read(archive.get("data.pkl"));
        } catch (IOException e) {
            throw new Pot4jException(ErrorCode.MODEL_CORRUPT, file + ": data.pkl is unreadable (" + e.getMessage()
                    + "); re-export the model", e);
        }
        if (!(root instanceof Pickle.Obj module)) {
            throw new Pot4jException(ErrorCode.MODEL_UNSUPPORTED, file + " holds no TorchScript module; export with torch.jit.trace/script");
        }
        DjlModelOptions opts = DjlModelOptions.from(path, options, archive);
        DjlRuntime.setThreads(opts.threads);
        FlatProgram program = TsFlattener.flatten(archive, module, file);
        List<TensorInfo> inputs = inputs(file, archive, program, opts);
        List<String> outputNames = outputNames(file, program, opts);
        DjlModel model = new DjlModel(path, archive, program, inputs, outputNames, opts.output);
        model.probeOutputShapes();
        return model;
    }

    /**
     * The class a {@code torch.save(model)} pickle holds ({@code __main__.Net}), or null for a
     * state_dict (an {@code OrderedDict} or dict): the pickle's first opcode after the protocol tells.
     */
    static String eagerPickleClass(byte[] pkl) {
        if (pkl == null || pkl.length < 4 || (pkl[0] & 0xff) != 0x80 || pkl[2] != 'c') {
            return null;
        }
        String text = new String(pkl, 3, Math.min(pkl.length - 3, 200), java.nio.charset.StandardCharsets.ISO_8859_1);
        String[] parts = text.split("\n", 3);
        if (parts.length < 3) {
            return null;
        }
        String cls = parts[0] + "." + parts[1];
        return cls.equals("collections.OrderedDict") ? null : cls;
    }

    private static boolean startsWithPickle(Path path) {
        try (InputStream in = Files.newInputStream(path)) {
            byte[] b = in.readNBytes(3);
            // legacy torch.save streams start with a pickled magic number: PROTO 2, LONG1
            return b.length == 3 && (b[0] & 0xff) == 0x80 && b[1] == 2 && (b[2] & 0xff) == 0x8a;
        } catch (IOException e) {
            return false;
        }
    }

    private static List<TensorInfo> inputs(String file, TorchScriptArchive archive, FlatProgram program, DjlModelOptions opts) {
        List<String[]> params = program.params;
        if (opts.inputNames != null && opts.inputNames.size() != params.size()) {
            throw new Pot4jException(ErrorCode.CONFIG_INVALID, "model option input_names lists " + opts.inputNames.size()
                    + " names but " + file + "'s forward takes " + params.size() + " inputs "
                    + params.stream().map(p -> p[0]).toList());
        }
        List<TracedInput> traced = TracedInput.read(archive);
        List<TensorInfo> out = new ArrayList<>();
        for (int i = 0; i < params.size(); i++) {
            String type = params.get(i)[1];
            String param = params.get(i)[0];
            if (!type.equals("Tensor")) {
                throw new Pot4jException(ErrorCode.MODEL_UNSUPPORTED, file + ": forward input '" + param + "' is "
                        + (type.isEmpty() ? "untyped" : type) + "; pot4j feeds tensors only, export a forward that takes Tensors");
            }
            String name = opts.inputNames != null ? opts.inputNames.get(i) : param;
            long[] shape = opts.shapesByName.get(name);
            if (shape == null && opts.shapesByName.containsKey(param)) {
                shape = opts.shapesByName.get(param);
            }
            if (shape == null && opts.shapesByPosition != null && i < opts.shapesByPosition.size()) {
                shape = opts.shapesByPosition.get(i);
            }
            DataType dtype = opts.types.get(name);
            if (traced.size() == params.size()) {
                if (shape == null) {
                    shape = traced.get(i).shape().clone();
                    if (shape.length > 0) {
                        shape[0] = -1;
                    }
                }
                if (dtype == null) {
                    dtype = traced.get(i).dataType();
                }
            }
            if (shape == null) {
                shape = shapeFromFirstConsumer(program, program.inputs.get(i));
            }
            if (shape == null) {
                throw new Pot4jException(ErrorCode.CONFIG_INVALID, file + ": the shape of input '" + name
                        + "' is unknown (TorchScript stores none); set the model option input_shapes, e.g. {\"" + name
                        + "\": [-1, 1, 28, 28]}, or write it into " + file + ".json");
            }
            out.add(new TensorInfo(name, dtype == null ? DataType.FLOAT32 : dtype, shape));
        }
        return out;
    }

    /**
     * The input shape a conv or linear node that reads the input directly implies: rank and channels
     * (or features) from its weight, every other dimension dynamic; null when no node reads it.
     */
    private static long[] shapeFromFirstConsumer(FlatProgram program, FlatProgram.Value input) {
        for (FlatProgram.Op op : program.ops) {
            if (op.input != input) {
                continue;
            }
            long[] w = program.tensors.get(op.weightPath).size;
            long[] shape;
            if (op.opType.startsWith("Conv")) {
                shape = new long[w.length];
                java.util.Arrays.fill(shape, -1);
                shape[1] = op.opType.startsWith("ConvTranspose") ? w[0] : w[1] * op.groups;
            } else if (op.opType.equals("Linear")) {
                shape = new long[] {-1, w[1]};
            } else {
                shape = new long[] {-1, w[0]};
            }
            return shape;
        }
        return null;
    }

    private static List<String> outputNames(String file, FlatProgram program, DjlModelOptions opts) {
        int count;
        if (program.returnType.equals("Tensor")) {
            count = 1;
        } else if (program.returnType.startsWith("Tuple[")) {
            List<String> types = DjlModel.tupleElementTypes(program.returnType);
            if (!types.stream().allMatch("Tensor"::equals)) {
                throw new Pot4jException(ErrorCode.MODEL_UNSUPPORTED, file + ": forward returns " + program.returnType
                        + "; pot4j needs a Tensor or a Tuple of Tensors");
            }
            count = types.size();
        } else {
            throw new Pot4jException(ErrorCode.MODEL_UNSUPPORTED, file + ": forward returns " + program.returnType
                    + "; pot4j needs a Tensor or a Tuple of Tensors");
        }
        if (opts.outputNames != null) {
            if (opts.outputNames.size() != count) {
                throw new Pot4jException(ErrorCode.CONFIG_INVALID, "model option output_names lists "
                        + opts.outputNames.size() + " names but " + file + " returns " + count + " outputs");
            }
            return opts.outputNames;
        }
        List<String> names = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            names.add(count == 1 ? "output" : "output_" + i);
        }
        return names;
    }
}
