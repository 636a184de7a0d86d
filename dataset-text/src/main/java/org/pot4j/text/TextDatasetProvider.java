package org.pot4j.text;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.pot4j.api.ErrorCode;
import org.pot4j.api.Pot4jException;
import org.pot4j.api.Tensor;
import org.pot4j.api.data.Dataset;
import org.pot4j.api.data.DatasetProvider;
import org.pot4j.api.data.Sample;
import org.pot4j.api.param.Range;
import org.pot4j.api.param.Required;

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
public final class TextDatasetProvider implements DatasetProvider<TextDatasetProvider.Params> {
    static final List<String> ALL_INPUTS = List.of("input_ids", "attention_mask", "token_type_ids");

    /**
     * The parameters, bound by the engine's binder when the config loads (see the class comment).
     *
     * @param path       file of sentences
     * @param tokenizer  the model's tokenizer.json
     * @param maxLength  tokens per sample
     * @param padding    {@code max_length} or {@code longest}
     * @param truncation cut longer sentences
     * @param inputs     the tensors each sample carries (a single name is a list of one)
     * @param format     {@code txt}, {@code jsonl}, {@code csv}; null: from the extension
     * @param column     the sentence's field (jsonl) or column (csv)
     * @param hasHeader  csv: the first row names the columns
     * @param delimiter  csv: one character
     */
    public record Params(@Required("a path to a file of sentences") String path,
                         @Required("a path to the model's tokenizer.json") String tokenizer,
                         @Range(min = 1, max = 1_000_000) int maxLength, String padding, boolean truncation,
                         List<String> inputs, String format, String column, boolean hasHeader, String delimiter) {
        static Params defaults() {
            return new Params(null, null, 128, "max_length", true, ALL_INPUTS, null, null, true, ",");
        }

        public Params {
            if (!List.of("max_length", "longest").contains(padding)) {
                throw new IllegalArgumentException("padding must be one of [max_length, longest], got '" + padding + "'");
            }
            if (inputs == null || inputs.isEmpty() || !ALL_INPUTS.containsAll(inputs)
                    || inputs.stream().distinct().count() != inputs.size()) {
                throw new IllegalArgumentException("inputs must be a list of distinct names from " + ALL_INPUTS + ", got "
                        + inputs);
            }
            inputs = List.copyOf(inputs);
            if (delimiter == null || delimiter.length() != 1) {
                throw new IllegalArgumentException("delimiter must be one character, got '" + delimiter + "'");
            }
        }
    }

    @Override
    public String name() {
        return "text";
    }

    @Override
    public Class<Params> parameters() {
        return Params.class;
    }

    @Override
    public Dataset open(Params p, Path baseDir) {
        Path file = existingFile("path", p.path(), baseDir);
        Path tokenizerFile = existingFile("tokenizer", p.tokenizer(), baseDir);
        TextFormat format = TextFormat.of(p.format(), file);
        List<TextSource.Line> lines = TextSource.read(file, format, p.column(), p.hasHeader(), p.delimiter().charAt(0));

        List<long[][]> encoded = TextTokenizer.encode(tokenizerFile, lines, file, p.maxLength(), p.truncation(),
                "longest".equals(p.padding()));
        List<Sample> samples = new ArrayList<>(lines.size());
        for (int i = 0; i < lines.size(); i++) {
            long[][] e = encoded.get(i);
            Map<String, Tensor> in = new LinkedHashMap<>();
            for (String name : p.inputs()) {
                long[] values = e[ALL_INPUTS.indexOf(name)];
                in.put(name, Tensor.ofLongs(new long[] {values.length}, values));
            }
            samples.add(new Sample(in, null, Map.of("text", lines.get(i).text(), "line", lines.get(i).number())));
        }
        // with its folder: calibration and validation files are often both "sentences.txt"
        Path parent = file.getParent() == null ? null : file.getParent().getFileName();
        return Dataset.of((parent == null ? "" : parent + "/") + file.getFileName(), samples);
    }

    /** A file the parameters name, resolved against the config's folder; it must exist when the dataset opens. */
    private static Path existingFile(String key, String value, Path baseDir) {
        Path f = (baseDir == null ? Path.of("") : baseDir).resolve(value).normalize();
        if (!Files.isRegularFile(f)) {
            throw new Pot4jException(ErrorCode.FILE_NOT_FOUND, "text dataset: " + key + " " + f
                    + (Files.exists(f) ? " is not a regular file" : " does not exist")
                    + "; check the path (relative paths resolve against the config's folder)");
        }
        return f;
    }
}
