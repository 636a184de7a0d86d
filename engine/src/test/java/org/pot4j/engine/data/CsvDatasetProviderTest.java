package org.pot4j.engine.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pot4j.api.ErrorCode;
import org.pot4j.api.Pot4jException;
import org.pot4j.api.Tensor;
import org.pot4j.api.data.Dataset;
import org.pot4j.api.data.Sample;

class CsvDatasetProviderTest {
    @TempDir
    Path dir;

    private final CsvDatasetProvider provider = new CsvDatasetProvider();

    private Dataset open(String text, Map<String, Object> params) throws IOException {
        Files.writeString(dir.resolve("data.csv"), text);
        Map<String, Object> p = new HashMap<>(params);
        p.put("path", "data.csv");
        return Open.dataset(provider, p, dir);
    }

    @Test
    void rowsBecomeFeatureVectorsWithLabelsByName() throws IOException {
        Dataset d = open("a,label,b\n1.5,2,-3\n0,1.0,4e2\n", Map.of("label_column", "label"));
        assertEquals(2, d.size());
        assertEquals("data.csv", d.name());
        Sample s = d.get(1);
        Tensor t = s.inputs().get("input");
        assertArrayEquals(new long[] {2}, t.shape());
        assertArrayEquals(new float[] {0, 400}, t.floats());
        assertEquals(1, s.annotation(), "1.0 is an integer label");
        assertEquals(2, d.get(0).annotation());
    }

    @Test
    void labelByIndexNoHeaderQuotesAndInputName() throws IOException {
        Dataset d = open("\"1\",2,cat\n3,\"4\",\"dog, big\"\n", Map.of("has_header", false, "label_column", -1, "input_name", "x"));
        assertArrayEquals(new float[] {3, 4}, d.get(1).inputs().get("x").floats());
        assertEquals("dog, big", d.get(1).annotation());
        Dataset noLabel = open("1;2\n3;4\n", Map.of("has_header", false, "delimiter", ";"));
        assertArrayEquals(new float[] {1, 2}, noLabel.get(0).inputs().get("input").floats());
        assertNull(noLabel.get(0).annotation());
        Dataset quotedScore = open("x,y\n1,0.5\n", Map.of("label_column", 1));
        assertEquals(0.5, quotedScore.get(0).annotation());
    }

    @Test
    void parametersAreBoundOnceWithClearErrors() throws IOException {
        Pot4jException delimiter = assertThrows(Pot4jException.class, () -> open("a;b\n1;2\n", Map.of("delimiter", ";;")));
        assertEquals(ErrorCode.CONFIG_INVALID, delimiter.code());
        assertTrue(delimiter.getMessage().contains("delimiter must be one character"), delimiter.getMessage());
        Pot4jException header = assertThrows(Pot4jException.class, () -> open("a\n1\n", Map.of("has_header", List.of(1))));
        assertTrue(header.getMessage().contains("has_header"), header.getMessage());
        Pot4jException unknown = assertThrows(Pot4jException.class, () -> open("a\n1\n", Map.of("has_heder", true)));
        assertEquals(ErrorCode.CONFIG_UNKNOWN_KEY, unknown.code());
        assertTrue(unknown.getMessage().contains("did you mean 'has_header'"), unknown.getMessage());
    }

    @Test
    void badFilesNameTheLineAndTheProblem() throws IOException {
        Pot4jException ragged = assertThrows(Pot4jException.class, () -> open("a,b,c\n1,2,3\n4,5\n", Map.of()));
        assertEquals(ErrorCode.DATASET_INVALID, ragged.code());
        assertTrue(ragged.getMessage().contains("data.csv") && ragged.getMessage().contains("ragged row at line 3")
                && ragged.getMessage().contains("2 columns, expected 3"), ragged.getMessage());
        Pot4jException nan = assertThrows(Pot4jException.class, () -> open("a,b\n1,x\n", Map.of()));
        assertTrue(nan.getMessage().contains("line 2, column 'b': 'x' is not a number"), nan.getMessage());
        Pot4jException quote = assertThrows(Pot4jException.class, () -> open("a\n\"1\n", Map.of()));
        assertTrue(quote.getMessage().contains("unclosed quote"), quote.getMessage());
        Pot4jException empty = assertThrows(Pot4jException.class, () -> open("a,b\n", Map.of()));
        assertEquals(ErrorCode.DATASET_EMPTY, empty.code());
        Pot4jException column = assertThrows(Pot4jException.class, () -> open("feat,lable\n1,2\n", Map.of("label_column", "label")));
        assertEquals(ErrorCode.CONFIG_INVALID, column.code());
        assertTrue(column.getMessage().contains("did you mean 'lable'"), column.getMessage());
        Pot4jException index = assertThrows(Pot4jException.class, () -> open("1,2\n", Map.of("has_header", false, "label_column", 5)));
        assertTrue(index.getMessage().contains("outside the 2 columns"), index.getMessage());
        Pot4jException missing = assertThrows(Pot4jException.class, () -> Open.dataset(provider, Map.of("path", "nope.csv"), dir));
        assertEquals(ErrorCode.FILE_NOT_FOUND, missing.code());
    }
}
