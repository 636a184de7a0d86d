package org.pot4j.engine.data;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.RuntimeJsonMappingException;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvParser;
import com.fasterxml.jackson.dataformat.csv.CsvSchema;
import java.io.InputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.pot4j.api.ErrorCode;
import org.pot4j.api.Pot4jException;
import org.pot4j.api.Tensor;
import org.pot4j.api.data.Dataset;
import org.pot4j.api.data.DatasetProvider;
import org.pot4j.api.data.Sample;
import org.pot4j.api.param.Required;
import org.pot4j.engine.config.Suggestions;

/**
 * {@code type: csv} — one sample per row, every column but the label a float32 feature, so a
 * sample is a float32 {@code [features]} tensor. Parameters: {@code path} (required),
 * {@code label_column} (optional: a header name, or a 0-based index, negative counting from the
 * end), {@code has_header} (default true), {@code input_name} (default {@code input}),
 * {@code delimiter} (default {@code ,}). Integer labels become {@code Integer} annotations, other
 * numbers {@code Double}, anything else a {@code String}. Double quotes around a field are allowed.
 */
public final class CsvDatasetProvider implements DatasetProvider<CsvDatasetProvider.Options> {
    private static final CsvMapper CSV = CsvMapper.builder().enable(CsvParser.Feature.WRAP_AS_ARRAY).build();

    @Override
    public String name() {
        return "csv";
    }

    @Override
    public Class<Options> parameters() {
        return Options.class;
    }

    @Override
    public Dataset open(Options o, Path baseDir) {
        Path file = DatasetFiles.existing("csv", "path", baseDir, o.path());
        boolean hasHeader = o.hasHeader();
        String inputName = o.inputName();
        char delim = o.delimiter().charAt(0);
        Object labelColumn = o.labelColumn();

        List<float[]> rows = new ArrayList<>();
        List<Object> labels = new ArrayList<>();
        List<String> header = null;
        int labelIndex = -1;
        int columns = -1;
        // jackson-dataformat-csv parses the fields (quotes, "" inside quotes, BOM, blank lines)
        CsvSchema schema = CsvSchema.emptySchema().withColumnSeparator(delim).withQuoteChar('"').withoutEscapeChar();
        try (InputStream raw = Files.newInputStream(file);
             MappingIterator<List<String>> it = CSV.readerForListOf(String.class).with(schema).readValues(raw)) {
            while (it.hasNextValue()) {
                List<String> fields = it.nextValue();
                int lineNo = it.getParser().currentTokenLocation().getLineNr();
                if (fields.isEmpty() || fields.size() == 1 && fields.get(0).isBlank()) {
                    continue;
                }
                if (columns < 0) {
                    columns = fields.size();
                    if (hasHeader) {
                        header = fields;
                    }
                    labelIndex = labelIndex(labelColumn, header, columns, file);
                    if (hasHeader) {
                        continue;
                    }
                }
                if (fields.size() != columns) {
                    throw DatasetFiles.invalid(file, "ragged row at line " + lineNo + ": " + fields.size()
                            + " columns, expected " + columns);
                }
                float[] features = new float[labelIndex >= 0 ? columns - 1 : columns];
                int f = 0;
                for (int c = 0; c < columns; c++) {
                    String v = fields.get(c).trim();
                    if (c == labelIndex) {
                        labels.add(label(v));
                        continue;
                    }
                    try {
                        features[f++] = Float.parseFloat(v);
                    } catch (NumberFormatException e) {
                        throw DatasetFiles.invalid(file, "line " + lineNo + ", column "
                                + (header != null ? "'" + header.get(c) + "'" : String.valueOf(c))
                                + ": '" + v + "' is not a number");
                    }
                }
                rows.add(features);
            }
        } catch (JsonProcessingException | RuntimeJsonMappingException e) {
            String m = e.getMessage() == null ? "" : e.getMessage();
            String what = m.contains("closing quote") ? "an unclosed quote" : "a malformed row";
            int line = e instanceof JsonProcessingException j && j.getLocation() != null ? j.getLocation().getLineNr() : -1;
            throw DatasetFiles.invalid(file, "line " + line + " has " + what + " ("
                    + m.lines().findFirst().orElse("") + ")");
        } catch (IOException e) {
            throw new Pot4jException(ErrorCode.DATASET_INVALID, file + ": cannot read CSV (" + e.getMessage() + ")", e);
        }
        if (rows.isEmpty()) {
            throw new Pot4jException(ErrorCode.DATASET_EMPTY, file + ": CSV has no data rows");
        }
        return new CsvDataset(file.getFileName().toString(), inputName, rows, labelIndex >= 0 ? labels : null);
    }

    private static int labelIndex(Object column, List<String> header, int columns, Path file) {
        if (column == null) {
            return -1;
        }
        if (column instanceof Number n) {
            int i = n.intValue();
            int index = i < 0 ? columns + i : i;
            if (index < 0 || index >= columns) {
                throw new Pot4jException(ErrorCode.CONFIG_INVALID, "csv dataset: label_column " + i + " is outside the "
                        + columns + " columns of " + file.getFileName());
            }
            return index;
        }
        if (column instanceof String name) {
            if (header == null) {
                throw new Pot4jException(ErrorCode.CONFIG_INVALID, "csv dataset: label_column '" + name
                        + "' names a column but has_header is false; give its index instead");
            }
            int index = header.indexOf(name);
            if (index < 0) {
                List<String> trimmed = header.stream().map(String::trim).toList();
                index = trimmed.indexOf(name.trim());
            }
            if (index < 0) {
                throw new Pot4jException(ErrorCode.CONFIG_INVALID, "csv dataset: label_column '" + name + "' is not a column of "
                        + file.getFileName() + Suggestions.didYouMean(name, header) + "; columns: " + header);
            }
            return index;
        }
        throw new Pot4jException(ErrorCode.CONFIG_INVALID, "csv dataset: label_column must be a column name or index, got " + column);
    }

    /** The parameters, bound by the engine's one {@link org.pot4j.engine.config.ParamBinder}. */
    public record Options(@Required("a path to a CSV file") String path, Object labelColumn, boolean hasHeader, String inputName, String delimiter) {
        static Options defaults() {
            return new Options(null, null, true, "input", ",");
        }

        public Options {
            if (delimiter == null || delimiter.length() != 1) {
                throw new IllegalArgumentException("delimiter must be one character, got '" + delimiter + "'");
            }
            if (inputName == null || inputName.isBlank()) {
                throw new IllegalArgumentException("input_name must name the model input, got '" + inputName + "'");
            }
        }
    }

    /** A label as Integer when integral, Double when numeric, else the String. */
    static Object label(String v) {
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            try {
                double d = Double.parseDouble(v);
                if (d == Math.rint(d) && Math.abs(d) < Integer.MAX_VALUE && !v.contains("e") && !v.contains("E")) {
                    return (int) d;
                }
                return d;
            } catch (NumberFormatException e2) {
                return v;
            }
        }
    }

    private static final class CsvDataset implements Dataset {
        private final String name;
        private final String inputName;
        private final List<float[]> rows;
        private final List<Object> labels;

        CsvDataset(String name, String inputName, List<float[]> rows, List<Object> labels) {
            this.name = name;
            this.inputName = inputName;
            this.rows = rows;
            this.labels = labels;
        }

        @Override
        public int size() {
            return rows.size();
        }

        @Override
        public Sample get(int index) {
            float[] r = rows.get(index);
            return Sample.of(inputName, Tensor.ofFloats(new long[] {r.length}, r.clone()), labels == null ? null : labels.get(index));
        }

        @Override
        public String name() {
            return name;
        }
    }
}
