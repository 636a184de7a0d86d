package org.pot4j.api.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileTreesTest {
    @TempDir
    Path dir;

    @Test
    void aFileIsItsSizeAFolderTheSumOfItsFilesAndMissingIsAnError() throws IOException {
        Path saved = Files.createDirectories(dir.resolve("saved_model").resolve("variables")).getParent();
        Path graph = Files.write(saved.resolve("saved_model.pb"), new byte[10]);
        Files.write(saved.resolve("variables").resolve("variables.data-00000-of-00001"), new byte[25]);
        assertEquals(10, FileTrees.size(graph));
        assertEquals(35, FileTrees.size(saved));
        assertThrows(NoSuchFileException.class, () -> FileTrees.size(dir.resolve("missing.onnx")));
    }
}
