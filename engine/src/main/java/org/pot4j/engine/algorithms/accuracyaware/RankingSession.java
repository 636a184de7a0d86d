package org.pot4j.engine.algorithms.accuracyaware;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import org.pot4j.api.Tensor;
import org.pot4j.api.model.CompiledModel;
import org.pot4j.api.model.Model;
import org.pot4j.api.model.SuffixRuns;
import org.pot4j.api.quant.QuantizationPlan;
import org.pot4j.engine.evaluation.Compilation;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What one ranking of one plan prepares once and shares between its steps (the fast mode's pre-rank
 * on a few samples and its confirm step on the whole ranking subset; the suffix check): every
 * candidate's suffix, the tensors captured from runs of the current plan (per sample, filled in as
 * steps need more samples or tensors), and the compiled models of the candidates, so a candidate the
 * pre-rank compiled is not compiled again by the confirm step. Compiled models are kept up to
 * {@link #maxCompiled} and an estimate of their size; over that the one whose candidate ranks worst
 * is closed first. Everything is closed with the session, also when the ranking fails or runs out of
 * time. Which compiled model is reused never changes a score: the same plan compiled again gives
 * the same outputs.
 */
final class RankingSession implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RankingSession.class);

    /** Key of the current plan's whole model. */
    static final String CURRENT = "\ncurrent";
    /** Suffix of a candidate's key for its suffix model (the candidate id alone is its whole model). */
    static final String SUFFIX = "\nsuffix";

    /** The plan whose candidates are ranked. */
    final QuantizationPlan current;
    private final Model model;
    private final int maxCompiled;
    private final long maxBytes;
    private final Comparator<RankEntry> order;
    private final boolean cacheCompiles;
    private final Map<String, Kept> compiled = new LinkedHashMap<>();
    /** Keys of every model run in this session (which depends on the choices made, never on timing). */
    private final Set<String> leased = new java.util.HashSet<>();
    /** Suffix per candidate id (a missing value: the backend gave none). */
    final Map<String, SuffixRuns.Suffix> suffixes = new HashMap<>();
    /** Candidates already asked for a suffix. */
    final Set<String> suffixAsked = new java.util.HashSet<>();
    /**
     * Captured tensors of the current plan: sample index -> tensor name -> value (no batch dimension),
     * from runs over exactly {@link #capturedFor} (a step's samples: batches made from another list can
     * give other values, e.g. with activations quantized per batch, so a step never reads another's).
     */
    private final Map<Integer, Map<String, Tensor>> captured = new HashMap<>();
    private int[] capturedFor;
    /** Runs of the whole model on one sample this session cost (a suffix run counts its share). */
    private double sampleRuns;
    private final int concurrentRuns;
    private int compiles;
    private long compileNanos;
    private int wholeCompiles;
    private long wholeCompileNanos;
    private boolean closed;

    /** A compiled model with what is known to decide which one to close first. */
    private static final class Kept {
        final CompiledModel model;
        final long bytes;
        RankEntry entry;
        int users;

        Kept(CompiledModel model, long bytes) {
            this.model = model;
            this.bytes = bytes;
        }
    }

    /**
     * @param maxCompiled compiled models kept at most (at least the current plan's and one candidate's)
     * @param maxBytes    estimated bytes of compiled models kept at most
     * @param order       best candidate first: the worst scored ones are closed first
     * @param cacheCompiles false when evaluations run out of process (a remote executor re-creates the model
     *                    from its file, so a wrapper would pull them into this process): nothing is kept then
     * @param concurrentRuns runs the ranking has in flight at once (candidates side by side, or one candidate
     *                    on several workers): what its compiles tell the backend, so each takes a share of the cores
     */
    RankingSession(Model model, QuantizationPlan current, int maxCompiled, long maxBytes, Comparator<RankEntry> order,
            boolean cacheCompiles, int concurrentRuns) {
        this.model = model;
        this.concurrentRuns = Math.max(1, concurrentRuns);
        this.cacheCompiles = cacheCompiles;
        this.current = current;
        this.maxCompiled = Math.max(2, maxCompiled);
        this.maxBytes = maxBytes;
        this.order = order;
    }

    /**
     * {@code model} as seen by an evaluation of {@code key}: its compile returns a view of the kept
     * compiled model (closing the view keeps it), compiling it with {@code compile} the first time.
     *
     * @param share estimated fraction of the whole model it holds (its size estimate)
     */
    Model cached(String key, Model seen, double share, Supplier<CompiledModel> compile) {
        synchronized (this) {
            leased.add(key);
        }
        if (!cacheCompiles) {
            return seen;
        }
        return new DelegatingModel(seen) {
            @Override
            public CompiledModel compile(QuantizationPlan plan, Set<String> extraOutputs) {
                return lease(key, share, compile);
            }
        };
    }

    /** The whole model under {@code plan}, compiled once per session under {@code key}; the model itself when nothing is kept. */
    Model whole(String key, QuantizationPlan plan) {
        if (!cacheCompiles) {
            synchronized (this) {
                leased.add(key);
            }
            return model;
        }
        return cached(key, model, 1.0, () -> Compilation.compile(model, plan, Set.of(), concurrentRuns));
    }

    private CompiledModel lease(String key, double share, Supplier<CompiledModel> compile) {
        synchronized (this) {
            Kept k = compiled.get(key);
            if (k != null) {
                k.users++;
                return view(k);
            }
        }
        // compiled outside the lock: candidates of a ranking compile in parallel (each key by one thread)
        long t0 = System.nanoTime();
        CompiledModel m = compile.get();
        long dt = System.nanoTime() - t0;
        synchronized (this) {
            compiles++;
            compileNanos += dt;
            if (key.indexOf('\n') < 0 || key.equals(CURRENT)) {
                wholeCompiles++;
                wholeCompileNanos += dt;
            }
            if (closed) {
                m.close();
                throw new IllegalStateException("ranking session closed");
            }
            Kept k = compiled.get(key);
            if (k != null) {
                m.close(); // another thread was first
            } else {
                k = new Kept(m, estimateBytes(share));
                compiled.put(key, k);
            }
            k.users++;
            return view(k);
        }
    }

    /** Runs in flight at once in this ranking (the hint its compiles give the backend). */
    int concurrentRuns() {
        return concurrentRuns;
    }

    /**
     * A compiled model's resident bytes, estimated at its share of the model file: 18 compiled MiniLM
     * candidates (90 MB FP32 file, most of them suffixes) raised the process's peak RSS by ~1.8 GB.
     */
    private long estimateBytes(double share) {
        long size = model.sizeOnDisk();
        return size <= 0 ? 0 : (long) (size * Math.max(0.05, Math.min(1.0, share)));
    }

    private CompiledModel view(Kept k) {
        return new CompiledModel() {
            private boolean released;

            @Override
            public List<String> inputNames() {
                return k.model.inputNames();
            }

            @Override
            public List<String> outputNames() {
                return k.model.outputNames();
            }

            @Override
            public Map<String, Tensor> infer(Map<String, Tensor> inputs) {
                return k.model.infer(inputs);
            }

            @Override
            public boolean threadSafe() {
                return k.model.threadSafe();
            }

            @Override
            public void close() {
                synchronized (RankingSession.this) {
                    if (!released) {
                        released = true;
                        k.users--; // trimmed when its candidate's score is known (scored), so a worse one is not kept over it
                    }
                }
            }
        };
    }

    /** Records how {@code key}'s candidate ranked, so the worst ones are closed first when too many are kept. */
    synchronized void scored(String key, RankEntry entry) {
        Kept k = compiled.get(key);
        if (k != null) {
            k.entry = entry;
        }
        trim();
    }

    /**
     * Closes the kept candidate models (whole or suffix) of every candidate not in {@code ids}: the
     * pre-rank's candidates that the confirm step will not run. Otherwise they crowd the bound and the
     * confirm step's own candidates get closed and compiled again (MiniLM: 7 of 11 recompiled, ~0.4 s).
     */
    synchronized void retainOnly(Set<String> ids) {
        compiled.entrySet().removeIf(e -> {
            String id = candidateOf(e.getKey());
            if (id == null || ids.contains(id) || e.getValue().users > 0) {
                return false;
            }
            e.getValue().model.close();
            return true;
        });
    }

    /** The candidate a key belongs to, or null for the current plan's and capture models. */
    private static String candidateOf(String key) {
        if (key.startsWith("\n")) {
            return null;
        }
        return key.endsWith(SUFFIX) ? key.substring(0, key.length() - SUFFIX.length()) : key;
    }

    private long candidateModels() {
        return compiled.keySet().stream().filter(k -> candidateOf(k) != null).count();
    }

    /** Closes scored, unused compiled models, worst first, while over the bounds. */
    private void trim() {
        // the bound on the count is for candidates: the current plan's and capture models are never closed early
        while (candidateModels() > maxCompiled || keptBytes() > maxBytes) {
            String worst = null;
            for (Map.Entry<String, Kept> e : compiled.entrySet()) {
                Kept k = e.getValue();
                if (k.users > 0 || k.entry == null) {
                    continue;
                }
                if (worst == null || order.compare(k.entry, compiled.get(worst).entry) > 0) {
                    worst = e.getKey();
                }
            }
            if (worst == null) {
                return; // all in use or not ranked yet (the current plan, the capture): kept
            }
            LOG.debug("closing kept model {} ({} candidate models kept, {} bytes)", worst.replace('\n', ' '), candidateModels(), keptBytes());
            compiled.remove(worst).model.close();
        }
    }

    private long keptBytes() {
        long b = 0;
        for (Kept k : compiled.values()) {
            b += k.bytes;
        }
        return b;
    }

    /** Adds runs of the whole model on one sample (a suffix run: its share) to this session's cost. */
    synchronized void count(double runs) {
        sampleRuns += runs;
    }

    /** Whole-model runs of one sample this session cost so far. */
    synchronized double sampleRuns() {
        return sampleRuns;
    }

    /** Models compiled in this session. */
    synchronized int compiles() {
        return compiles;
    }

    /** Seconds spent compiling in this session. */
    synchronized double compileSeconds() {
        return compileNanos / 1e9;
    }

    /** Whether compiled models are kept (evaluations run in this process). */
    boolean cacheCompiles() {
        return cacheCompiles;
    }

    /** The tensors captured over exactly {@code samples} (those of another list are dropped). */
    synchronized Map<Integer, Map<String, Tensor>> capturedOn(int[] samples) {
        if (!java.util.Arrays.equals(capturedFor, samples)) {
            captured.clear();
            capturedFor = samples.clone();
        }
        return captured;
    }

    /** Mean seconds of the whole-model compiles of this session, NaN before the first. */
    synchronized double wholeCompileSeconds() {
        return wholeCompiles == 0 ? Double.NaN : wholeCompileNanos / 1e9 / wholeCompiles;
    }

    /**
     * Whether the model of {@code key} ran in this session, so is kept compiled unless the bound closed it
     * (which depends on the order candidates finished in: choices use this, not {@link #isCompiled}).
     */
    synchronized boolean ran(String key) {
        return leased.contains(key);
    }

    /** Whether {@code key} has a kept compiled model. */
    synchronized boolean isCompiled(String key) {
        return compiled.containsKey(key);
    }

    /** Closes every kept compiled model and drops the captured tensors. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        List<RuntimeException> failures = new ArrayList<>();
        for (Kept k : compiled.values()) {
            try {
                k.model.close();
            } catch (RuntimeException e) {
                failures.add(e);
            }
        }
        if (!failures.isEmpty()) {
            LOG.debug("closing {} compiled models of a ranking: {} failed ({})", compiled.size(), failures.size(),
                    failures.get(0).toString());
        }
        LOG.debug("ranking session: {} models compiled in {} s, {} kept at the end", compiles, String.format(java.util.Locale.ROOT,
                "%.2f", compileNanos / 1e9), compiled.size());
        compiled.clear();
        captured.clear();
        suffixes.clear();
    }
}
