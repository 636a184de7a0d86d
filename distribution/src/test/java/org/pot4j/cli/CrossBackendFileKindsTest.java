package org.pot4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.pot4j.api.model.ModelBackendProvider;
import org.pot4j.api.model.ModelFileKind;
import org.pot4j.engine.plugin.BackendFileKinds;

/**
 * The model files each bundled backend declares (without starting its runtime) are the ones the
 * engine's catalog of shipped plugins names when that backend is not installed, and they route the
 * example models to their backend. Runs in the cross-backend execution, where every backend is on
 * the class path.
 */
class CrossBackendFileKindsTest {
    @Test
    void providersDeclareTheFileKindsTheCatalogNames() {
        Map<String, ModelBackendProvider> providers = new TreeMap<>();
        ServiceLoader.load(ModelBackendProvider.class).forEach(p -> providers.put(p.name(), p));
        assertEquals(BackendFileKinds.shipped().keySet(), providers.keySet(), "shipped backends");
        for (Map.Entry<String, List<ModelFileKind>> e : BackendFileKinds.shipped().entrySet()) {
            List<ModelFileKind> declared = providers.get(e.getKey()).fileKinds();
            assertFalse(declared.isEmpty(), e.getKey() + " declares no file kinds");
            assertEquals(e.getValue().stream().flatMap(k -> k.suffixes().stream()).toList(),
                    declared.stream().flatMap(k -> k.suffixes().stream()).toList(), e.getKey() + " suffixes");
            assertEquals(e.getValue().stream().anyMatch(ModelFileKind::folder), declared.stream().anyMatch(ModelFileKind::folder),
                    e.getKey() + " model folders");
        }
        Path examples = CliRun.examples();
        assertEquals("onnx", BackendFileKinds.backendFor(examples.resolve("mnist-lenet/lenet.onnx"), providers));
        assertEquals("djl", BackendFileKinds.backendFor(examples.resolve("mnist-lenet/lenet.pt"), providers));
        assertEquals("tensorflow", BackendFileKinds.backendFor(examples.resolve("mnist-lenet/lenet_frozen.pb"), providers));
        assertTrue(examples.resolve("mnist-lenet/lenet_savedmodel").toFile().isDirectory());
        assertEquals("tensorflow", BackendFileKinds.backendFor(examples.resolve("mnist-lenet/lenet_savedmodel"), providers));
        assertEquals("onnx", BackendFileKinds.backendFor(Path.of("not-there.onnx"), Map.of()), "catalog when nothing is installed");
    }
}
