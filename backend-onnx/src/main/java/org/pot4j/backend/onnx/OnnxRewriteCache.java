package org.pot4j.backend.onnx;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import org.pot4j.backend.onnx.proto.OnnxProtos.TensorProto;

/**
 * The quantized-weight rewrites of one loaded model, kept between the plans its writer applies. An
 * accuracy-aware search writes the same weights with the same quantizers for every candidate plan (only
 * which nodes stay FP32 changes), so re-quantizing every weight of the model for each plan was most of
 * the writer's time. An entry is a pure function of its key (the node, its quantizer and whatever else the
 * rewrite reads) and of the names it asked for: the names are replayed against the current rewrite's name
 * set on every hit, and when one comes out different (another tensor took it) the rewrite runs again, so a
 * cached plan is byte-for-byte the plan written without the cache. Memory is bounded by the bytes of the
 * initializers held (least recently used entries go first); a capacity of 0 switches the cache off.
 */
final class OnnxRewriteCache {
    /** What a rewrite produced, and the names it was given in order (base asked for, name received). */
    record Entry<V>(V value, List<String[]> names, long bytes) {
    }

    private final long capacityBytes;
    private final LinkedHashMap<Object, Entry<?>> entries = new LinkedHashMap<>(64, 0.75f, true);
    private long bytes;
    private long hits;
    private long misses;

    OnnxRewriteCache(long capacityBytes) {
        this.capacityBytes = Math.max(0, capacityBytes);
    }

    /**
     * The cache capacity for a model with {@code weightBytes} bytes of initializers: room for the whole
     * model quantized (int8 weights take a quarter of float ones, so this is several plans' worth when
     * quantizers differ), at most an eighth of the maximal heap.
     */
    static long capacityFor(long weightBytes) {
        return Math.min(weightBytes, Runtime.getRuntime().maxMemory() / 8);
    }

    /**
     * {@code rewrite} applied with names from {@code names} (whose side effect, reserving a name, must be
     * undone by {@code release}), or the cached result for {@code key} when replaying its names gives the
     * same names.
     *
     * @param key      equal keys must mean equal inputs to {@code rewrite}, names aside
     * @param size     bytes an entry holds (its initializers)
     * @param names    gives a unique name for a base name and reserves it
     * @param release  un-reserves names that {@code names} gave
     */
    <V> V get(Object key, Function<UnaryOperator<String>, V> rewrite, Function<V, Long> size,
              UnaryOperator<String> names, java.util.function.Consumer<String> release) {
        Entry<?> e = capacityBytes == 0 ? null : lookup(key);
        if (e != null) {
            List<String> given = new ArrayList<>(e.names().size());
            boolean same = true;
            for (String[] pair : e.names()) {
                String n = names.apply(pair[0]);
                given.add(n);
                if (!n.equals(pair[1])) {
                    same = false;
                    break;
                }
            }
            if (same) {
                @SuppressWarnings("unchecked")
                V v = (V) e.value();
                return v;
            }
            given.forEach(release);
        }
        List<String[]> asked = new ArrayList<>();
        V v = rewrite.apply(base -> {
            String n = names.apply(base);
            asked.add(new String[] {base, n});
            return n;
        });
        if (capacityBytes > 0) {
            put(key, new Entry<>(v, List.copyOf(asked), size.apply(v)));
        }
        return v;
    }

    private synchronized Entry<?> lookup(Object key) {
        Entry<?> e = entries.get(key);
        if (e != null) {
            hits++;
        } else {
            misses++;
        }
        return e;
    }

    private synchronized void put(Object key, Entry<?> e) {
        if (e.bytes() > capacityBytes) {
            return;
        }
        Entry<?> old = entries.put(key, e);
        bytes += e.bytes() - (old == null ? 0 : old.bytes());
        Iterator<Map.Entry<Object, Entry<?>>> it = entries.entrySet().iterator();
        while (bytes > capacityBytes && it.hasNext()) {
            Map.Entry<Object, Entry<?>> eldest = it.next();
            bytes -= eldest.getValue().bytes();
            it.remove();
        }
    }

    /** Bytes of the initializers held. */
    synchronized long bytes() {
        return bytes;
    }

    /** Entries held. */
    synchronized int size() {
        return entries.size();
    }

    /** Lookups that found an entry (whether or not its names still fitted), and lookups that did not. */
    synchronized long[] hitsAndMisses() {
        return new long[] {hits, misses};
    }

    long capacityBytes() {
        return capacityBytes;
    }

    /** Bytes of a list of initializers (their values). */
    static long bytesOf(List<TensorProto> initializers) {
        long n = 0;
        for (TensorProto t : initializers) {
            n += OnnxTensorProtos.dataBytes(t);
        }
        return n;
    }

    /** A key part for arrays (records compare arrays by identity). */
    static List<Object> key(Object... parts) {
        List<Object> out = new ArrayList<>(parts.length);
        for (Object p : parts) {
            if (p instanceof float[] f) {
                out.add(floatBits(f));
            } else if (p instanceof int[] i) {
                out.add(java.util.Arrays.stream(i).boxed().toList());
            } else {
                out.add(p);
            }
        }
        return out;
    }

    private static List<Integer> floatBits(float[] f) {
        List<Integer> out = new ArrayList<>(f.length);
        for (float x : f) {
            out.add(Float.floatToRawIntBits(x));
        }
        return out;
    }

    /** The release function for names reserved in a plain name set. */
    static java.util.function.Consumer<String> releaser(Set<String> names) {
        return names::remove;
    }
}
