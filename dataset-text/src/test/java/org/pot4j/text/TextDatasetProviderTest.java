package org.pot4j.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.pot4j.api.ErrorCode;
import org.pot4j.api.Pot4jException;
import org.pot4j.api.data.Dataset;
import org.pot4j.engine.config.ParamBinder;
import org.pot4j.api.data.DatasetProvider;
import org.pot4j.api.data.Sample;

/**
 * Real sentences through the real tokenizer: the MiniLM example's evaluation and calibration sentences,
 * tokenized in Java with the tokenizer.json of the Maven jar the model comes from, must give exactly the
 * ids, masks and token types committed in examples/minilm (made in Python by tools/minilm).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class TextDatasetProviderTest {
    @TempDir
    static Path tmp;
    private static Path tokenizer;
    private static final Path EXAMPLE = examples().resolve("minilm");
    private final TextDatasetProvider provider = new TextDatasetProvider();

    @BeforeAll
    static void tokenizerFromTheModelJar() throws IOException {
        tokenizer = tmp.resolve("tokenizer.json");
        try (InputStream in = TextDatasetProviderTest.class.getResourceAsStream("/all-minilm-l6-v2-tokenizer.json")) {
            Files.copy(in, tokenizer);
        }
    }

    /**
     * In pot4j's plugins/ folder the thread's context class loader is the launcher's, which cannot see the
     * plugin's jars, and DJL looks for its native library through it. First in this class, so the native
     * library is loaded here (once per JVM) with a context loader that sees no DJL jar.
     */
    @Test
    @Order(1)
    void loadsTheNativeLibraryWhateverTheContextClassLoader() throws IOException {
        Thread t = Thread.currentThread();
        ClassLoader before = t.getContextClassLoader();
        t.setContextClassLoader(ClassLoader.getPlatformClassLoader());
        try {
            Path f = tmp.resolve("context.txt");
            Files.writeString(f, "The context class loader sees no plugin jar.\n");
            assertEquals(1, open(Map.of("path", f.toString())).size());
            assertEquals(ClassLoader.getPlatformClassLoader(), t.getContextClassLoader(), "restored");
        } finally {
            t.setContextClassLoader(before);
        }
    }

    @Test
    void foundByServiceLoaderAsText() {
        assertTrue(ServiceLoader.load(DatasetProvider.class).stream().anyMatch(p -> p.get().name().equals("text")));
    }

    @Test
    void evaluationSentencesGiveTheCommittedIds() throws IOException {
        assertSameAsCommitted("eval");
        assertEquals("cpu", System.getProperty(TextTokenizer.FLAVOR_KEY), "DJL must take the jar's CPU build, never download one");
    }

    @Test
    void calibrationSentencesGiveTheCommittedIds() throws IOException {
        assertSameAsCommitted("data");
    }

    @Test
    void jsonlAndCsvColumnsGiveTheSameIdsAsPlainText() throws IOException {
        List<String> sentences = Files.readAllLines(EXAMPLE.resolve("eval/sentences.txt")).subList(0, 25);
        Path jsonl = tmp.resolve("s.jsonl");
        Path csv = tmp.resolve("s.csv");
        List<String> j = new ArrayList<>();
        List<String> c = new ArrayList<>(List.of("id,text"));
        for (int i = 0; i < sentences.size(); i++) {
            String s = sentences.get(i);
            j.add("{\"id\": " + i + ", \"text\": \"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"}");
            c.add(i + ",\"" + s.replace("\"", "\"\"") + "\"");
        }
        Files.write(jsonl, j);
        Files.write(csv, c);
        long[][] ids = npy(EXAMPLE.resolve("eval/input_ids.npy"));
        for (Path f : List.of(jsonl, csv)) {
            Dataset d = open(Map.of("path", f.toString(), "column", "text", "max_length", 64));
            assertEquals(25, d.size());
            for (int i = 0; i < 25; i++) {
                assertArrayEquals(ids[i], d.get(i).inputs().get("input_ids").longs(), f.getFileName() + " sample " + i);
                assertEquals(sentences.get(i), d.get(i).metadata().get("text"));
            }
        }
    }

    @Test
    void paddingLongestPadsToTheLongestSentenceAndInputsChoosesTheTensors() throws IOException {
        List<String> sentences = Files.readAllLines(EXAMPLE.resolve("eval/sentences.txt")).subList(0, 10);
        Path f = tmp.resolve("ten.txt");
        Files.write(f, sentences);
        long[][] ids = npy(EXAMPLE.resolve("eval/input_ids.npy"));
        long[][] mask = npy(EXAMPLE.resolve("eval/attention_mask.npy"));
        int longest = 0;
        for (int i = 0; i < 10; i++) {
            longest = (int) Math.max(longest, java.util.Arrays.stream(mask[i]).sum());
        }
        Dataset d = open(Map.of("path", f.toString(), "max_length", 64, "padding", "longest",
                "inputs", List.of("attention_mask", "input_ids")));
        Sample s = d.get(0);
        assertEquals(List.of("attention_mask", "input_ids"), List.copyOf(s.inputs().keySet()));
        for (int i = 0; i < 10; i++) {
            assertArrayEquals(java.util.Arrays.copyOf(ids[i], longest), d.get(i).inputs().get("input_ids").longs());
        }
        assertArrayEquals(new long[] {longest}, s.inputs().get("input_ids").shape());
    }

    @Test
    void sentenceLongerThanMaxLengthWithoutTruncationNamesItsLine() throws IOException {
        Path f = tmp.resolve("long.txt");
        Files.write(f, List.of("A short one.", "", "This sentence has quite a few more words than eight tokens allow for."));
        Pot4jException e = assertThrows(Pot4jException.class,
                () -> open(Map.of("path", f.toString(), "max_length", 8, "truncation", false)));
        assertEquals(ErrorCode.DATASET_INVALID, e.code());
        assertTrue(e.getMessage().contains("1 of 2 sentences are longer than max_length 8") && e.getMessage().contains("line 3"),
                e.getMessage());
    }

    @Test
    void badTokenizerAndBadParametersFailWithOneClearError() throws IOException {
        Path f = tmp.resolve("one.txt");
        Files.writeString(f, "One sentence.\n");
        Path notJson = tmp.resolve("not-a-tokenizer.json");
        Files.writeString(notJson, "{\"this\": \"is not a tokenizer\"}");
        Pot4jException e = assertThrows(Pot4jException.class,
                () -> bound(Map.of("path", f.toString(), "tokenizer", notJson.toString())));
        assertEquals(ErrorCode.DATASET_INVALID, e.code());
        assertTrue(e.getMessage().contains("not a Hugging Face tokenizer.json"), e.getMessage());

        e = assertThrows(Pot4jException.class, () -> bound(Map.of("path", f.toString())));
        assertEquals(ErrorCode.CONFIG_INVALID, e.code());
        assertTrue(e.getMessage().contains("tokenizer of dataset type 'text' is required"), e.getMessage());

        Path jsonl = tmp.resolve("x.jsonl");
        Files.writeString(jsonl, "{\"sentence\": \"One.\"}\n");
        e = assertThrows(Pot4jException.class, () -> open(Map.of("path", jsonl.toString(), "column", "text")));
        assertEquals(ErrorCode.DATASET_INVALID, e.code());
        assertTrue(e.getMessage().contains("line 1 has no string field 'text' (fields: [sentence])"), e.getMessage());

        e = assertThrows(Pot4jException.class, () -> open(Map.of("path", f.toString(), "padding", "left")));
        assertEquals(ErrorCode.CONFIG_INVALID, e.code());
        assertTrue(e.getMessage().contains("padding must be one of [max_length, longest]"), e.getMessage());
        e = assertThrows(Pot4jException.class, () -> open(Map.of("path", f.toString(), "max_length", 0)));
        assertEquals(ErrorCode.CONFIG_INVALID, e.code());
        assertTrue(e.getMessage().contains("max_length of dataset type 'text' must be in [1, 1000000], got 0"), e.getMessage());
        e = assertThrows(Pot4jException.class, () -> open(Map.of("path", f.toString(), "max_length", 2.5)));
        assertTrue(e.getMessage().contains("max_length of dataset type 'text' must be a whole number"), e.getMessage());
        e = assertThrows(Pot4jException.class, () -> open(Map.of("path", f.toString(), "inputs", List.of("pixel_values"))));
        assertEquals(ErrorCode.CONFIG_INVALID, e.code());
        e = assertThrows(Pot4jException.class, () -> open(Map.of("path", f.toString(), "max_lenght", 64)));
        assertEquals(ErrorCode.CONFIG_UNKNOWN_KEY, e.code());
        assertTrue(e.getMessage().contains("did you mean 'max_length'") && e.getMessage().contains("tokenizer"), e.getMessage());
        e = assertThrows(Pot4jException.class, () -> open(Map.of("path", f.toString(), "truncation", "maybe")));
        assertTrue(e.getMessage().contains("truncation of dataset type 'text' must be true or false"), e.getMessage());
    }

    private void assertSameAsCommitted(String folder) throws IOException {
        Path dir = EXAMPLE.resolve(folder);
        Dataset d = open(Map.of("path", dir.resolve("sentences.txt").toString(), "max_length", 64));
        long[][] ids = npy(dir.resolve("input_ids.npy"));
        long[][] mask = npy(dir.resolve("attention_mask.npy"));
        long[][] types = npy(dir.resolve("token_type_ids.npy"));
        assertEquals(folder + "/sentences.txt", d.name(), "named with its folder: calibration and validation files share a name");
        assertEquals(ids.length, d.size());
        for (int i = 0; i < ids.length; i++) {
            Map<String, org.pot4j.api.Tensor> in = d.get(i).inputs();
            assertArrayEquals(ids[i], in.get("input_ids").longs(), folder + " sample " + i + " input_ids");
            assertArrayEquals(mask[i], in.get("attention_mask").longs(), folder + " sample " + i + " attention_mask");
            assertArrayEquals(types[i], in.get("token_type_ids").longs(), folder + " sample " + i + " token_type_ids");
        }
    }

    private Dataset open(Map<String, Object> params) {
        Map<String, Object> p = new java.util.HashMap<>(params);
        p.putIfAbsent("tokenizer", tokenizer.toString());
        return bound(p);
    }

    /** Binds a config-style map with the engine's binder, as a config is, then opens. */
    private Dataset bound(Map<String, Object> params) {
        return provider.open(ParamBinder.bind(params, TextDatasetProvider.Params.class, "dataset type 'text'", null), tmp);
    }

    @Test
    void defaultsAreThePotStyleOnes() {
        TextDatasetProvider.Params d = ParamBinder.bind(Map.of("path", "a.txt", "tokenizer", "t.json"),
                TextDatasetProvider.Params.class, "dataset type 'text'", null);
        assertEquals(128, d.maxLength());
        assertEquals("max_length", d.padding());
        assertTrue(d.truncation() && d.hasHeader());
        assertEquals(TextDatasetProvider.ALL_INPUTS, d.inputs());
        assertEquals(",", d.delimiter());
        assertEquals(List.of("input_ids"), ParamBinder.bind(Map.of("path", "a", "tokenizer", "t", "inputs", "input_ids"),
                TextDatasetProvider.Params.class, "dataset type 'text'", null).inputs());
    }

    /** A little-endian int64 [rows, cols] .npy file, as tools/minilm writes them. */
    static long[][] npy(Path file) throws IOException {
        byte[] b = Files.readAllBytes(file);
        int headerLen = (b[8] & 0xff) | (b[9] & 0xff) << 8;
        String header = new String(b, 10, headerLen, StandardCharsets.US_ASCII);
        assertTrue(header.contains("'<i8'") && header.contains("False"), header);
        String shape = header.substring(header.indexOf("(") + 1, header.indexOf(")"));
        String[] dims = shape.split(",");
        int rows = Integer.parseInt(dims[0].trim());
        int cols = Integer.parseInt(dims[1].trim());
        ByteBuffer buf = ByteBuffer.wrap(b, 10 + headerLen, rows * cols * 8).order(ByteOrder.LITTLE_ENDIAN);
        long[][] out = new long[rows][cols];
        for (long[] row : out) {
            for (int c = 0; c < cols; c++) {
                row[c] = buf.getLong();
            }
        }
        return out;
    }

    static Path examples() {
        String p = System.getProperty("pot4j.examples");
        return (p != null ? Path.of(p) : Path.of("..", "examples")).toAbsolutePath().normalize();
    }
}
