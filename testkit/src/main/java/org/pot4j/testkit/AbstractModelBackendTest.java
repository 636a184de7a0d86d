package org.pot4j.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.pot4j.api.DataType;
import org.pot4j.api.ErrorCode;
import org.pot4j.api.Pot4jException;
import org.pot4j.api.Tensor;
import org.pot4j.api.data.Dataset;
import org.pot4j.api.graph.GraphNode;
import org.pot4j.api.graph.GraphView;
import org.pot4j.api.graph.NodeKind;
import org.pot4j.api.graph.PlacementRules;
import org.pot4j.api.graph.QuantizerPlacement;
import org.pot4j.api.model.BackendCapability;
import org.pot4j.api.model.CompiledModel;
import org.pot4j.api.model.Model;
import org.pot4j.api.model.ModelBackend;
import org.pot4j.api.model.ModelBackendProvider;
import org.pot4j.api.model.QuantizableNode;
import org.pot4j.api.model.TensorInfo;
import org.pot4j.api.quant.QuantizationPlan;
import org.pot4j.api.quant.WeightQuantizer;

/**
 * Conformance tests every {@link ModelBackendProvider} must pass, written against the api alone so
 * the ONNX, TensorFlow and DJL backends run the same checks on their own runtimes. A backend test
 * extends this class and gives a provider, an FP32 fixture model and a few samples:
 * <ul>
 * <li>the provider is found by {@link ServiceLoader} and loads the fixture;</li>
 * <li>the graph view is sane: inputs, outputs, quantizable nodes with weights of the declared shape;</li>
 * <li>the neutral graph view maps op types to kinds, is in topological order, and its placement under
 * the backend's declared rules is exactly {@code quantizableNodes()};</li>
 * <li>{@code compile(EMPTY)} gives the runtime's own FP32 outputs (see {@link #referenceOutputs});</li>
 * <li>statistics taps: every activation tensor of the graph view can be returned, batch dim first;</li>
 * <li>a plan quantizing everything runs close to FP32 (cosine) but not bit-identical;</li>
 * <li>{@code fp32Nodes} is honoured: reverting every node gives FP32 outputs;</li>
 * <li>{@code save(plan)} then reload gives what {@code compile(plan)} gave; saving EMPTY gives FP32;</li>
 * <li>missing, truncated and random-bytes model files fail with {@code FILE_NOT_FOUND} /
 * {@code MODEL_CORRUPT}, and a failed save leaves no file behind;</li>
 * <li>inputs of the wrong shape fail with {@code DATASET_SHAPE_MISMATCH}; concurrent inference is
 * consistent when the compiled model says it is thread-safe.</li>
 * </ul>
 * The fixture should be small (it is loaded a few times) and the dataset needs at least 4 samples.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class AbstractModelBackendTest {
    /** Samples per test batch. */
    protected static final int BATCH = 4;

    /** Per-class scratch folder. */
    @TempDir
    protected Path tempDir;

    private ModelBackend backend; // raw: the options records are the subclass's
    private Model model;
    private Map<String, Tensor> batch;
    private Map<String, Tensor> fp32;

    /** The provider under test. */
    protected abstract ModelBackendProvider provider();

    /** An FP32 model file or folder the backend accepts. */
    protected abstract Path fixtureModel();

    /** Samples for the fixture model (inputs without batch dimension); at least {@link #BATCH}. */
    protected abstract Dataset fixtureDataset();

    /** Largest absolute difference accepted between two runs that should agree. */
    protected double tolerance() {
        return 1e-4;
    }

    /**
     * Largest absolute difference between {@code compile(plan)} and the saved, reloaded model; a
     * backend whose saved file runs on integer kernels (requantized accumulators) while
     * {@code compile} simulates them in float allows more than {@link #tolerance()}.
     */
    protected double savedTolerance() {
        return tolerance();
    }

    /** Options for {@link ModelBackendProvider#create}: the provider's load-options record, null for its defaults. */
    protected Record backendOptions() {
        return null;
    }

    /** Options for {@link ModelBackend#load}: the provider's load-options record, null for its defaults. */
    protected Record modelOptions() {
        return null;
    }

    /**
     * The runtime's own FP32 outputs for {@code batch}, computed without pot4j (e.g. a plain session on
     * the fixture file). Returning null (the default) compares with a second, independent load instead.
     */
    protected Map<String, Tensor> referenceOutputs(Map<String, Tensor> batch) {
        return null;
    }

    /** Lowest cosine similarity to FP32 accepted for the quantize-everything plan. */
    protected double minQuantizedCosine() {
        return 0.95;
    }

    /** Largest saved/FP32 size ratio for the quantize-everything plan, or NaN (default) to skip that check. */
    protected double maxSavedSizeRatio() {
        return Double.NaN;
    }

    /** File or folder name used when saving the fixture (defaults to the fixture's own name). */
    protected String savedModelName() {
        return fixtureModel().getFileName().toString();
    }

    /**
     * A damaged copy of the fixture inside {@code dir}: the first half of the file, or for a folder
     * model, the folder with its largest file cut in half.
     */
    protected Path truncatedCopy(Path dir) throws IOException {
        return damagedCopy(dir, bytes -> Arrays.copyOf(bytes, bytes.length / 2));
    }

    /** A copy of the fixture inside {@code dir} whose (largest) file holds random bytes instead. */
    protected Path randomBytesCopy(Path dir) throws IOException {
        return damagedCopy(dir, bytes -> {
            byte[] r = new byte[Math.max(64, Math.min(bytes.length, 4096))];
            new Random(42).nextBytes(r);
            return r;
        });
    }

    // ------------------------------------------------------------------ lifecycle

    @BeforeAll
    void openFixture() {
        backend = provider().create(backendOptions());
        model = backend.load(fixtureModel(), modelOptions());
        batch = batchOf(model, fixtureDataset(), BATCH);
        try (CompiledModel c = model.compile(QuantizationPlan.EMPTY, Set.of())) {
            fp32 = c.infer(batch);
        }
    }

    @AfterAll
    void closeFixture() {
        if (model != null) {
            model.close();
        }
        if (backend != null) {
            backend.close();
        }
    }

    /** The backend under test (created once per class). */
    protected ModelBackend<?> backend() {
        return backend;
    }

    /** The loaded fixture (loaded once per class). */
    protected Model model() {
        return model;
    }

    /** A batch of the first {@link #BATCH} samples, keyed by model input. */
    protected Map<String, Tensor> batch() {
        return batch;
    }

    // ------------------------------------------------------------------ tests

    @Test
    void providerIsFoundByServiceLoader() {
        boolean found = ServiceLoader.load(ModelBackendProvider.class).stream()
                .anyMatch(p -> p.type().equals(provider().getClass()));
        assertTrue(found, provider().getClass().getName() + " is not registered in META-INF/services");
        assertFalse(provider().name().isBlank());
        assertFalse(provider().version().isBlank());
        assertEquals(provider().name(), backend.name());
    }

    @Test
    void loadsTheFixture() {
        assertTrue(backend.accepts(fixtureModel()), backend.name() + " does not accept its own fixture");
        assertEquals(backend.name(), model.backendName());
        assertEquals(fixtureModel(), model.path());
        assertTrue(model.sizeOnDisk() > 0, "sizeOnDisk");
        assertNotNull(backend.capabilities());
    }

    @Test
    void graphViewIsSane() {
        assertFalse(model.inputs().isEmpty(), "no inputs");
        assertFalse(model.outputs().isEmpty(), "no outputs");
        assertUnique(model.inputs().stream().map(TensorInfo::name).toList(), "input names");
        assertUnique(model.outputs().stream().map(TensorInfo::name).toList(), "output names");
        List<QuantizableNode> nodes = model.quantizableNodes();
        assertFalse(nodes.isEmpty(), "no quantizable nodes");
        assertUnique(nodes.stream().map(QuantizableNode::id).toList(), "node ids");
        assertTrue(nodes.stream().anyMatch(QuantizableNode::hasWeight), "no node with a weight");
        for (QuantizableNode n : nodes) {
            assertNotNull(n.outputName(), n.id() + " outputName");
            assertFalse(n.activationInputs().isEmpty() && n.hasWeight(), n.id() + " has a weight but no activation input");
            if (!n.hasWeight()) {
                continue;
            }
            Tensor w = model.weight(n);
            assertEquals(DataType.FLOAT32, w.dataType(), n.id() + " weight type");
            assertTrue(Arrays.equals(n.weightShape(), w.shape()), n.id() + " weight shape " + Arrays.toString(w.shape())
                    + " differs from the declared " + Arrays.toString(n.weightShape()));
            assertTrue(n.weightChannelAxis() >= 0 && n.weightChannelAxis() < w.rank(), n.id() + " weightChannelAxis");
            Tensor b = model.bias(n);
            assertEquals(n.hasBias(), b != null, n.id() + " hasBias() vs bias()");
            if (b != null) {
                assertEquals(DataType.FLOAT32, b.dataType(), n.id() + " bias type");
                assertEquals(1, b.rank(), n.id() + " bias must be a per-channel vector");
            }
        }
    }

    @Test
    void neutralGraphViewMapsKindsAndItsPlacementIsTheNodeList() {
        GraphView g = model.graph();
        assertNotNull(g, backend.name() + " exposes no neutral graph view (Model.graph())");
        PlacementRules rules = model.placementRules();
        assertNotNull(rules, backend.name() + " declares no placement rules (Model.placementRules())");
        assertTrue(g.nodes().stream().anyMatch(n -> n.kind() != NodeKind.OTHER), "no op type mapped to a kind");
        Set<String> produced = new HashSet<>();
        g.nodes().forEach(n -> produced.addAll(n.outputs()));
        Set<String> seen = new HashSet<>();
        for (GraphNode n : g.nodes()) {
            for (String in : n.inputs()) {
                assertTrue(in.isEmpty() || !produced.contains(in) || seen.contains(in),
                        n.id() + " reads " + in + " before its producer: nodes are not in topological order");
            }
            seen.addAll(n.outputs());
            if (n.hasWeight()) {
                assertTrue(WEIGHTED_KINDS.contains(n.kind()), n.id() + " has a weight but kind " + n.kind());
            }
        }
        QuantizerPlacement.Placement placement = QuantizerPlacement.place(g, rules);
        List<QuantizableNode> nodes = model.quantizableNodes();
        assertEquals(nodes, placement.nodes(), "quantizableNodes() is the placement of graph() under placementRules()");
        for (int k = 0; k < nodes.size(); k++) {
            QuantizableNode q = nodes.get(k);
            GraphNode n = g.node(placement.positions().get(k));
            assertEquals(n.kind(), q.kind(), q.id() + " kind");
            assertEquals(n.opType(), q.opType(), q.id() + " op type");
            for (String t : q.activationInputs()) {
                assertTrue(g.isFloatActivation(t), q.id() + ": quantized input " + t + " is not a float activation");
            }
            for (String t : q.activationOutputs()) {
                assertTrue(g.isFloatActivation(t), q.id() + ": quantized output " + t + " is not a float activation");
            }
            if (!q.hasWeight()) {
                assertFalse(q.activationInputs().isEmpty(), q.id() + ": a weightless node quantizes its inputs");
            }
        }
        assertTrue(nodes.stream().anyMatch(q -> q.kind() == NodeKind.CONV || q.kind() == NodeKind.LINEAR
                || q.kind() == NodeKind.MATMUL || q.kind() == NodeKind.DEPTHWISE_CONV), "no conv or linear node listed");
    }

    private static final Set<NodeKind> WEIGHTED_KINDS = Set.of(NodeKind.CONV, NodeKind.DEPTHWISE_CONV,
            NodeKind.CONV_TRANSPOSE, NodeKind.LINEAR, NodeKind.MATMUL, NodeKind.EMBEDDING);

    @Test
    void compileEmptyGivesTheRuntimesFp32Outputs() throws Exception {
        Map<String, Tensor> reference = referenceOutputs(batch);
        if (reference == null) {
            try (ModelBackend other = provider().create(backendOptions());
                 Model again = other.load(fixtureModel(), modelOptions());
                 CompiledModel c = again.compile(QuantizationPlan.EMPTY, Set.of())) {
                reference = c.infer(batch);
            }
        }
        assertEquals(model.outputs().stream().map(TensorInfo::name).toList(), new ArrayList<>(fp32.keySet()),
                "outputs of compile(EMPTY) in model order");
        for (Map.Entry<String, Tensor> e : reference.entrySet()) {
            assertClose(e.getValue(), fp32.get(e.getKey()), tolerance(), "FP32 output " + e.getKey());
        }
    }

    @Test
    void statisticsTapsReturnEveryActivationTensor() {
        assumeTrue(backend.capabilities().contains(BackendCapability.INTERMEDIATE_OUTPUTS));
        Set<String> taps = activationTensors(model);
        for (QuantizableNode n : model.quantizableNodes()) {
            taps.add(n.outputName());
        }
        try (CompiledModel c = model.compile(QuantizationPlan.EMPTY, taps)) {
            List<String> names = c.outputNames();
            List<String> outs = model.outputs().stream().map(TensorInfo::name).toList();
            assertEquals(outs, names.subList(0, outs.size()), "model outputs come first");
            Map<String, Tensor> got = c.infer(batch);
            for (String t : taps) {
                Tensor v = got.get(t);
                assertNotNull(v, "tap " + t + " missing");
                assertTrue(v.rank() > 0 && v.dim(0) == BATCH, "tap " + t + " has shape "
                        + Arrays.toString(v.shape()) + ", expected batch dimension " + BATCH + " first");
            }
            for (String o : outs) {
                assertClose(fp32.get(o), got.get(o), tolerance(), "output " + o + " with taps");
            }
        }
    }

    @Test
    void quantizedPlanRunsCloseToFp32ButNotIdentical() {
        QuantizationPlan plan = quantizeEverything(model, batch);
        try (CompiledModel c = model.compile(plan, Set.of())) {
            Map<String, Tensor> q = c.infer(batch);
            double maxDiff = 0;
            for (TensorInfo o : model.outputs()) {
                if (!o.dataType().isFloatingPoint()) {
                    continue;
                }
                double cos = cosine(fp32.get(o.name()), q.get(o.name()));
                assertTrue(cos > minQuantizedCosine(), "quantized output " + o.name() + " has cosine " + cos
                        + " to FP32, expected > " + minQuantizedCosine());
                maxDiff = Math.max(maxDiff, maxAbsDiff(fp32.get(o.name()), q.get(o.name())));
            }
            assertTrue(maxDiff > 0, "quantized outputs are bit-identical to FP32: the plan was not applied");
        }
    }

    @Test
    void revertingEveryNodeGivesFp32() {
        QuantizationPlan.Builder b = quantizeEverything(model, batch).toBuilder();
        model.quantizableNodes().forEach(n -> b.fp32Node(n.id()));
        try (CompiledModel c = model.compile(b.build(), Set.of())) {
            Map<String, Tensor> got = c.infer(batch);
            for (String o : fp32.keySet()) {
                assertClose(fp32.get(o), got.get(o), tolerance(), "output " + o + " with every node in fp32Nodes");
            }
        }
    }

    @Test
    void savedPlanReloadsWithTheCompiledOutputs() {
        QuantizationPlan plan = quantizeEverything(model, batch);
        Map<String, Tensor> compiled;
        try (CompiledModel c = model.compile(plan, Set.of())) {
            compiled = c.infer(batch);
        }
        Path target = tempDir.resolve("saved-plan").resolve(savedModelName());
        model.save(plan, target);
        assertTrue(Files.exists(target), "save wrote nothing at " + target);
        try (Model reloaded = backend.load(target, modelOptions());
             CompiledModel c = reloaded.compile(QuantizationPlan.EMPTY, Set.of())) {
            Map<String, Tensor> got = c.infer(batch);
            for (String o : compiled.keySet()) {
                assertClose(compiled.get(o), got.get(o), savedTolerance(), "reloaded quantized output " + o);
            }
            double ratio = (double) reloaded.sizeOnDisk() / model.sizeOnDisk();
            if (!Double.isNaN(maxSavedSizeRatio())) {
                assertTrue(ratio <= maxSavedSizeRatio(), "saved model is " + ratio + "x the FP32 size, expected <= "
                        + maxSavedSizeRatio());
            }
        }
        assertNoTemporaryFiles(target.getParent());
    }

    @Test
    void savedEmptyPlanReloadsAsFp32() {
        Path target = tempDir.resolve("saved-empty").resolve(savedModelName());
        model.save(QuantizationPlan.EMPTY, target);
        try (Model reloaded = backend.load(target, modelOptions());
             CompiledModel c = reloaded.compile(QuantizationPlan.EMPTY, Set.of())) {
            Map<String, Tensor> got = c.infer(batch);
            for (String o : fp32.keySet()) {
                assertClose(fp32.get(o), got.get(o), tolerance(), "output " + o + " of the saved FP32 model");
            }
        }
        assertNoTemporaryFiles(target.getParent());
    }

    @Test
    void failedSaveLeavesNoFile() throws IOException {
        Path dir = Files.createDirectories(tempDir.resolve("failed-save"));
        QuantizationPlan bad = QuantizationPlan.builder()
                .weight("no-such-node-in-this-model", new WeightQuantizer(8, -1, new float[] {0.1f}, new int[] {0}, true))
                .build();
        assertThrows(Pot4jException.class, () -> model.save(bad, dir.resolve(savedModelName())));
        try (Stream<Path> left = Files.list(dir)) {
            assertEquals(List.of(), left.toList(), "a failed save left files behind");
        }
    }

    @Test
    void missingModelFileIsFileNotFound() {
        Path missing = tempDir.resolve("does-not-exist").resolve(fixtureModel().getFileName().toString());
        Pot4jException e = assertThrows(Pot4jException.class, () -> backend.load(missing, modelOptions()));
        assertEquals(ErrorCode.FILE_NOT_FOUND, e.code(), e.getMessage());
        assertTrue(e.getMessage().contains(missing.getFileName().toString()), "message names the file: " + e.getMessage());
    }

    @Test
    void truncatedModelIsCorrupt() throws IOException {
        Path bad = truncatedCopy(Files.createDirectories(tempDir.resolve("truncated")));
        Pot4jException e = assertThrows(Pot4jException.class, () -> backend.load(bad, modelOptions()).close());
        assertEquals(ErrorCode.MODEL_CORRUPT, e.code(), e.getMessage());
        assertTrue(e.getMessage().contains(bad.getFileName().toString()), "message names the file: " + e.getMessage());
    }

    @Test
    void randomBytesAreCorrupt() throws IOException {
        Path bad = randomBytesCopy(Files.createDirectories(tempDir.resolve("random")));
        Pot4jException e = assertThrows(Pot4jException.class, () -> backend.load(bad, modelOptions()).close());
        assertEquals(ErrorCode.MODEL_CORRUPT, e.code(), e.getMessage());
    }

    @Test
    void wrongInputShapeIsAShapeMismatch() {
        TensorInfo first = model.inputs().get(0);
        Tensor good = batch.get(first.name());
        long[] s = Arrays.copyOf(good.shape(), good.rank() + 1);
        s[good.rank()] = 1;
        Map<String, Tensor> wrong = new LinkedHashMap<>(batch);
        wrong.put(first.name(), good.reshape(s));
        try (CompiledModel c = model.compile(QuantizationPlan.EMPTY, Set.of())) {
            Pot4jException e = assertThrows(Pot4jException.class, () -> c.infer(wrong));
            assertEquals(ErrorCode.DATASET_SHAPE_MISMATCH, e.code(), e.getMessage());
            assertTrue(e.getMessage().contains(first.name()), "message names the input: " + e.getMessage());
        }
    }

    @Test
    void concurrentInferenceAgrees() throws Exception {
        try (CompiledModel c = model.compile(quantizeEverything(model, batch), Set.of())) {
            assumeTrue(c.threadSafe());
            Map<String, Tensor> once = c.infer(batch);
            ExecutorService pool = Executors.newFixedThreadPool(2);
            try {
                List<Future<Map<String, Tensor>>> runs = new ArrayList<>();
                for (int i = 0; i < 4; i++) {
                    runs.add(pool.submit(() -> c.infer(batch)));
                }
                for (Future<Map<String, Tensor>> f : runs) {
                    Map<String, Tensor> got = f.get();
                    for (String o : once.keySet()) {
                        assertClose(once.get(o), got.get(o), tolerance(), "concurrent output " + o);
                    }
                }
            } finally {
                pool.shutdownNow();
            }
        }
    }

    // ------------------------------------------------------------------ helpers for subclasses

    /** Every tensor the graph view lists as an activation input or output. */
    protected static Set<String> activationTensors(Model model) {
        return MinMaxTestPlanner.activationTensors(model);
    }

    /**
     * A plain min/max plan that quantizes every weight (per channel when supported, symmetric INT8,
     * narrow range) and every activation tensor of the graph view (uint8 from 0 for non-negative
     * ranges, symmetric int8 otherwise), with ranges measured on {@code batch}: the shared
     * {@link MinMaxTestPlanner}. Test scaffolding, not the engine's algorithm.
     */
    protected QuantizationPlan quantizeEverything(Model model, Map<String, Tensor> batch) {
        Set<BackendCapability> caps = backend.capabilities();
        MinMaxTestPlanner planner = MinMaxTestPlanner.of(model).metadata("testkit-minmax")
                .perChannel(caps.contains(BackendCapability.PER_CHANNEL_WEIGHTS));
        return caps.contains(BackendCapability.ACTIVATION_QUANTIZATION) ? planner.plan(batch) : planner.plan(List.of());
    }

    /** Symmetric narrow-range INT8 quantizer of {@code w}, per channel along {@code axis} (or per tensor for -1). */
    protected static WeightQuantizer weightQuantizer(Tensor w, int axis) {
        return MinMaxTestPlanner.weightQuantizer(w, axis, 8);
    }

    /**
     * Stacks the first {@code n} samples into a batch keyed by model input name (samples bind by name
     * when all model input names are present, else by position).
     */
    protected static Map<String, Tensor> batchOf(Model model, Dataset data, int n) {
        if (data.size() < n) {
            fail("the fixture dataset has " + data.size() + " samples; the conformance tests need " + n);
        }
        return MinMaxTestPlanner.batch(model, data, 0, n);
    }

    /** Asserts same shape and values within {@code tol}. */
    protected static void assertClose(Tensor expected, Tensor actual, double tol, String what) {
        assertNotNull(actual, what + " missing");
        assertTrue(Arrays.equals(expected.shape(), actual.shape()), what + ": shape " + Arrays.toString(actual.shape())
                + ", expected " + Arrays.toString(expected.shape()));
        double d = maxAbsDiff(expected, actual);
        assertTrue(d <= tol, what + ": max abs difference " + d + " > " + tol);
    }

    /** Largest absolute element difference. */
    protected static double maxAbsDiff(Tensor a, Tensor b) {
        double d = 0;
        for (int i = 0; i < a.size(); i++) {
            d = Math.max(d, Math.abs(a.getDouble(i) - b.getDouble(i)));
        }
        return d;
    }

    /** Cosine similarity of two tensors seen as flat vectors. */
    protected static double cosine(Tensor a, Tensor b) {
        double dot = 0;
        double na = 0;
        double nb = 0;
        for (int i = 0; i < a.size(); i++) {
            double x = a.getDouble(i);
            double y = b.getDouble(i);
            dot += x * y;
            na += x * x;
            nb += y * y;
        }
        return na == 0 && nb == 0 ? 1 : dot / Math.sqrt(na * nb);
    }

    private static void assertUnique(List<String> names, String what) {
        assertEquals(names.size(), new HashSet<>(names).size(), what + " are not unique: " + names);
    }

    private static void assertNoTemporaryFiles(Path dir) {
        try (Stream<Path> files = Files.list(dir)) {
            List<Path> tmp = files.filter(p -> p.getFileName().toString().endsWith(".tmp")).toList();
            assertEquals(List.of(), tmp, "temporary files left behind in " + dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private interface Damage {
        byte[] apply(byte[] original);
    }

    private Path damagedCopy(Path dir, Damage damage) throws IOException {
        Path src = fixtureModel();
        Path dst = dir.resolve(src.getFileName().toString());
        if (Files.isRegularFile(src)) {
            Files.write(dst, damage.apply(Files.readAllBytes(src)));
            return dst;
        }
        Path largest;
        try (Stream<Path> walk = Files.walk(src)) {
            List<Path> all = walk.toList();
            for (Path p : all) {
                Path q = dst.resolve(src.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(q);
                } else {
                    Files.copy(p, q);
                }
            }
            largest = all.stream().filter(Files::isRegularFile).max(Comparator.comparingLong(AbstractModelBackendTest::size))
                    .orElseThrow(() -> new IOException("fixture folder " + src + " has no files"));
        }
        Path victim = dst.resolve(src.relativize(largest).toString());
        Files.write(victim, damage.apply(Files.readAllBytes(victim)));
        return dst;
    }

    private static long size(Path p) {
        try {
            return Files.size(p);
        } catch (IOException e) {
            return 0;
        }
    }
}
