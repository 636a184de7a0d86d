package org.pot4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.pot4j.api.ProgressListener;
import org.pot4j.api.data.Dataset;
import org.pot4j.api.model.Model;
import org.pot4j.engine.Pot4j;
import org.pot4j.engine.benchmark.Benchmark;
import org.pot4j.engine.benchmark.BenchmarkOptions;
import org.pot4j.engine.benchmark.BenchmarkResult;
import org.pot4j.engine.benchmark.BenchmarkTable;

/** The backend-neutral benchmark on a real ONNX Runtime model, with real MNIST samples as inputs. */
class BenchmarkOnOnnxTest {
    @Test
    void measuresLenetOnRealSamplesAtEachBatchSize() throws Exception {
        Path lenet = CliRun.example("mnist-lenet/lenet.onnx");
        Path images = CliRun.example("data/mnist/test-images.idx3-ubyte");
        assumeTrue(Files.exists(lenet) && Files.exists(images), "LeNet example not there yet");
        try (Pot4j pot4j = Pot4j.builder().progress(ProgressListener.NONE).build();
             Model a = pot4j.loadModel(lenet, "onnx", Map.of("intra_op_threads", 1));
             Model b = pot4j.loadModel(lenet, "onnx", Map.of("intra_op_threads", 1))) {
            Dataset data = pot4j.openDataset(Map.of("type", "idx", "images", images.toString()), null);
            BenchmarkOptions options = BenchmarkOptions.defaults().withRounds(1, 3).withBatchSizes(List.of(1, 4))
                    .withDataset(data).withThreads(1);
            List<BenchmarkResult> results = new Benchmark(options, ProgressListener.NONE).run(a, b);

            assertEquals(4, results.size());
            for (BenchmarkResult r : results) {
                assertEquals("onnx", r.backend());
                assertEquals(Files.size(lenet), r.sizeBytes());
                assertEquals(1, r.threads());
                assertTrue(r.medianMs() > 0 && r.p90Ms() >= r.medianMs() && r.throughput() > 0, r.toString());
            }
            assertNull(results.get(0).speedRatio());
            assertTrue(results.get(3).speedRatio() > 0);
            String table = BenchmarkTable.format(results);
            assertEquals(6, table.lines().count(), table);
        }
    }
}
