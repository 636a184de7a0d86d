package org.pot4j.text;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.pot4j.api.ErrorCode;
import org.pot4j.api.Pot4jException;
import org.pot4j.api.Tensor;
import org.pot4j.api.data.Dataset;
import org.pot4j.api.data.DatasetProvider;
import org.pot4j.api.data.Sample;

/**
 * {@code type: text} — raw sentences tokenized with the model's own {@code tokenizer.json}, so an
 * encoder can be calibrated and validated without a Python step. Parameters:
 * <ul>
 *   <li>{@code path} (required): a text file with one sentence per line (blank lines skipped), or a
 *       {@code .jsonl} / {@code .csv} file with a {@code column} holding the sentence;</li>
 *   <li>{@code tokenizer} (required): the Hugging Face {@code tokenizer.json} the model was trained with;</li>
 *   <li>{@code max_length} (default 128): tokens per sample, special tokens included;</li>
 *   <li>{@code padding}: {@code max_length} (default: every sample padded to {@code max_length}) or
 *       {@code longest} (padded to the longest sentence of the file, at most {@code max_length});</li>
 *   <li>{@code truncation} (default true): cut longer sentences to {@code max_length}; false makes a
 *       longer sentence an error naming its line;</li>
 *   <li>{@code inputs} (default {@code [input_ids, attention_mask, token_type_ids]}): the tensors each
 *       sample carries, named as the model's inputs (a subset, in any order);</li>
 *   <li>{@code format} ({@code txt}, {@code jsonl}, {@code csv}; default from the file extension),
 *       {@code column}, {@code has_header} (csv, default true), {@code delimiter} (csv, default {@code ,}).</li>
 * </ul>
 * Every sample's inputs are int64 {@code [length]} (no batch dimension), its metadata holds the
 * sentence under {@code text}. Tokenization happens once, when the dataset is opened.
 */
public final class TextDatasetProvider implements DatasetProvider {
    static final List<String> ALL_INPUTS = List.of("input_ids", "attention_mask", "token_type_ids");
    private static final Set<String> PARAMS = Set.of("path", "tokenizer", "max_length", "padding", "truncation", "inputs",
            "format", "column", "has_header", "delimiter");
    private static final int DEFAULT_MAX_LENGTH = 128;

    @Override
    public String name() {
        return "text";
    }

    @Override
    public Set<String> parameterNames() {
        return PARAMS;
    }

    @Override
    public Dataset open(Map<String, Object> params, Path baseDir) {
        Params p = new Params(params, baseDir);
        Path file = p.existingFile("path");
        Path tokenizerFile = p.existingFile("tokenizer");
        int maxLength = p.positiveInt("max_length", DEFAULT_MAX_LENGTH);
        String padding = p.choice("padding", "max_length", List.of("max_length", "longest"));
        boolean truncation = p.bool("truncation", true);
        List<String> inputs = p.inputs();
        TextFormat format = TextFormat.of(p.string("format", null), file);
        List<TextSource.Line> lines = TextSource.read(file, format, p.string("column", null), p.bool("has_header", true),
                p.delimiter());

        List<long[][]> encoded = TextTokenizer.encode(tokenizerFile, lines, file, maxLength, truncation,
                "longest".equals(padding));
        List<Sample> samples = new ArrayList<>(lines.size());
        for (int i = 0; i < lines.size(); i++) {
            long[][] e = encoded.get(i);
            Map<String, Tensor> in = new LinkedHashMap<>();
            for (String name : inputs) {
                long[] values = e[ALL_INPUTS.indexOf(name)];
                in.put(name, Tensor.ofLongs(new long[] {values.length}, values));
            }
            samples.add(new Sample(in, null, Map.of("text", lines.get(i).text(), "line", lines.get(i).number())));
        }
        return new TextDataset(file.getFileName().toString(), samples);
    }

    /** Typed access to the parameters, with one-line errors naming the key. */
    private static final class Params {
        private final Map<String, Object> params;
        private final Path baseDir;

        Params(Map<String, Object> params, Path baseDir) {
            this.params = params == null ? Map.of() : params;
            this.baseDir = baseDir == null ? Path.of("") : baseDir;
        }

        Path existingFile(String key) {
            Object v = params.get(key);
            if (!(v instanceof String s) || s.isBlank()) {
                throw new Pot4jException(ErrorCode.CONFIG_INVALID, "text dataset needs '" + key + "' (a path"
                        + ("tokenizer".equals(key) ? " to the model's tokenizer.json" : " to a file of sentences") + ")"
                        + (v == null ? "" : ", got " + v));
            }
            Path f = baseDir.resolve(s).normalize();
            if (!Files.isRegularFile(f)) {
                throw new Pot4jException(ErrorCode.FILE_NOT_FOUND, "text dataset: " + key + " " + f
                        + (Files.exists(f) ? " is not a regular file" : " does not exist")
                        + "; check the path (relative paths resolve against the config's folder)");
            }
            return f;
        }

        int positiveInt(String key, int dflt) {
            Object v = params.get(key);
            if (v == null) {
                return dflt;
            }
            if (v instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue()) && n.longValue() >= 1
                    && n.longValue() <= 1_000_000) {
                return n.intValue();
            }
            throw wrong(key, "a whole number of tokens >= 1", v);
        }

        boolean bool(String key, boolean dflt) {
            Object v = params.get(key);
            if (v == null) {
                return dflt;
            }
            if (v instanceof Boolean b) {
                return b;
            }
            throw wrong(key, "true or false", v);
        }

        String string(String key, String dflt) {
            Object v = params.get(key);
            if (v == null) {
                return dflt;
            }
            if (v instanceof String s) {
                return s;
            }
            throw wrong(key, "a string", v);
        }

        String choice(String key, String dflt, List<String> allowed) {
            String s = string(key, dflt);
            if (!allowed.contains(s)) {
                throw wrong(key, "one of " + allowed, s);
            }
            return s;
        }

        char delimiter() {
            String d = string("delimiter", ",");
            if (d.length() != 1) {
                throw wrong("delimiter", "one character", d);
            }
            return d.charAt(0);
        }

        List<String> inputs() {
            Object v = params.get("inputs");
            if (v == null) {
                return ALL_INPUTS;
            }
            List<?> raw = v instanceof String s ? List.of(s) : v instanceof List<?> l ? l : null;
            if (raw == null || raw.isEmpty()) {
                throw wrong("inputs", "a list of " + ALL_INPUTS, v);
            }
            List<String> out = new ArrayList<>();
            for (Object o : raw) {
                if (!(o instanceof String s) || !ALL_INPUTS.contains(s) || out.contains(s)) {
                    throw wrong("inputs", "a list of distinct names from " + ALL_INPUTS, v);
                }
                out.add(s);
            }
            return List.copyOf(out);
        }

        private static Pot4jException wrong(String key, String expected, Object got) {
            return new Pot4jException(ErrorCode.CONFIG_INVALID, "text dataset: '" + key + "' must be " + expected + ", got "
                    + (got instanceof String ? "'" + got + "'" : String.valueOf(got)));
        }
    }

    private static final class TextDataset implements Dataset {
        private final String name;
        private final List<Sample> samples;

        TextDataset(String name, List<Sample> samples) {
            this.name = name;
            this.samples = List.copyOf(samples);
        }

        @Override
        public int size() {
            return samples.size();
        }

        @Override
        public Sample get(int index) {
            return samples.get(index);
        }

        @Override
        public String name() {
            return name;
        }
    }
}
