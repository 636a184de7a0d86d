package org.pot4j.backend.djl;

import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes the {@link Pickle} object model back as a protocol-2 pickle, as torch does for
 * {@code data.pkl}. Objects referenced twice (a shared submodule, a tied weight) are written once
 * and then referenced through the memo, so sharing survives a round trip.
 */
final class PickleWriter {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final Map<Object, Integer> memo = new IdentityHashMap<>();
    private final Map<Pickle.Global, Integer> globals = new HashMap<>();
    private final Map<String, Integer> strings = new HashMap<>();
    private int nextMemo;

    private PickleWriter() {
    }

    /** The pickle bytes of {@code root}. */
    static byte[] write(Object root) {
        PickleWriter w = new PickleWriter();
        w.out.write(0x80);
        w.out.write(2);
        w.save(root);
        w.out.write('.');
        return w.out.toByteArray();
    }

    private void save(Object o) {
        if (o == null || o == Pickle.NONE) {
            out.write('N');
        } else if (o instanceof Boolean b) {
            out.write(b ? 0x88 : 0x89);
        } else if (o instanceof Long || o instanceof Integer) {
            saveLong(((Number) o).longValue());
        } else if (o instanceof BigInteger bi) {
            saveBig(bi);
        } else if (o instanceof Double || o instanceof Float) {
            out.write('G');
            out.writeBytes(ByteBuffer.allocate(8).order(ByteOrder.BIG_ENDIAN).putDouble(((Number) o).doubleValue()).array());
        } else if (o instanceof String s) {
            Integer m = strings.get(s);
            if (m != null) {
                get(m);
                return;
            }
            strings.put(s, nextMemo);
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            out.write('X');
            int32(b.length);
            out.writeBytes(b);
            putIndex();
        } else if (o instanceof Pickle.Global g) {
            Integer m = globals.get(g);
            if (m != null) {
                get(m);
                return;
            }
            out.write('c');
            out.writeBytes((g.module() + "\n" + g.name() + "\n").getBytes(StandardCharsets.UTF_8));
            globals.put(g, nextMemo);
            putIndex();
        } else if (memo.containsKey(o)) {
            get(memo.get(o));
        } else if (o instanceof Pickle.Tuple t) {
            saveTuple(t);
            put(o);
        } else if (o instanceof List<?> list) {
            out.write(']');
            put(o);
            if (!list.isEmpty()) {
                out.write('(');
                list.forEach(this::save);
                out.write('e');
            }
        } else if (o instanceof Map<?, ?> map) {
            out.write('}');
            put(o);
            if (!map.isEmpty()) {
                out.write('(');
                map.forEach((k, v) -> {
                    save(k);
                    save(v);
                });
                out.write('u');
            }
        } else if (o instanceof Pickle.Reduce r) {
            save(r.func);
            save(r.args);
            out.write('R');
            put(o);
            if (r.state != null) {
                save(r.state);
                out.write('b');
            }
        } else if (o instanceof Pickle.Obj obj) {
            save(obj.cls);
            save(obj.args == null ? new Pickle.Tuple(List.of()) : obj.args);
            out.write(0x81);
            put(o);
            if (obj.state != null) {
                save(obj.state);
                out.write('b');
            }
        } else if (o instanceof Pickle.PersistentId p) {
            save(p.id);
            out.write('Q');
        } else if (o instanceof Pickle.Bytes b) {
            out.write('B');
            int32(b.value().length);
            out.writeBytes(b.value());
        } else {
            throw new IllegalArgumentException("cannot pickle " + o.getClass().getName());
        }
    }

    private void saveTuple(Pickle.Tuple t) {
        switch (t.size()) {
            case 0 -> out.write(')');
            case 1, 2, 3 -> {
                t.items.forEach(this::save);
                out.write(0x84 + t.size());
            }
            default -> {
                out.write('(');
                t.items.forEach(this::save);
                out.write('t');
            }
        }
    }

    private void saveLong(long v) {
        if (v >= 0 && v < 256) {
            out.write('K');
            out.write((int) v);
        } else if (v >= 0 && v < 65536) {
            out.write('M');
            out.write((int) (v & 0xff));
            out.write((int) (v >>> 8));
        } else if (v >= Integer.MIN_VALUE && v <= Integer.MAX_VALUE) {
            out.write('J');
            int32((int) v);
        } else {
            saveBig(BigInteger.valueOf(v));
        }
    }

    private void saveBig(BigInteger v) {
        byte[] be = v.toByteArray();
        out.write(0x8a);
        out.write(be.length);
        for (int i = be.length - 1; i >= 0; i--) {
            out.write(be[i]);
        }
    }

    private void put(Object o) {
        memo.put(o, nextMemo);
        putIndex();
    }

    private void putIndex() {
        int i = nextMemo++;
        if (i < 256) {
            out.write('q');
            out.write(i);
        } else {
            out.write('r');
            int32(i);
        }
    }

    private void get(int i) {
        if (i < 256) {
            out.write('h');
            out.write(i);
        } else {
            out.write('j');
            int32(i);
        }
    }

    private void int32(int v) {
        out.write(v & 0xff);
        out.write((v >>> 8) & 0xff);
        out.write((v >>> 16) & 0xff);
        out.write((v >>> 24) & 0xff);
    }
}
