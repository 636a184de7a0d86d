package org.pot4j.backend.djl;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A minimal unpickler for the streams TorchScript archives hold (protocol 2, sometimes with
 * protocol 4 framing). It builds the {@link Pickle} object model and executes nothing, so a
 * hostile pickle cannot run code; unknown opcodes fail with {@link IOException}.
 */
final class PickleReader {
    private static final Object MARK = new Object();

    private final ByteBuffer in;
    private final List<Object> stack = new ArrayList<>();
    private final Map<Long, Object> memo = new HashMap<>();

    private PickleReader(byte[] data) {
        this.in = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
    }

    /** Reads one pickled object. */
    static Object read(byte[] data) throws IOException {
        try {
            return new PickleReader(data).run();
        } catch (RuntimeException e) {
            throw new IOException("malformed pickle: " + e, e);
        } catch (StackOverflowError e) {
            // a container that holds itself (DUP + SETITEM) hashes forever (found by fuzzing, issue 12)
            throw new IOException("malformed pickle: nested too deeply or holding itself", e);
        }
    }

    private Object run() throws IOException {
        while (true) {
            int op = in.get() & 0xff;
            switch (op) {
                case 0x80 -> in.get(); // PROTO
                case 0x95 -> in.getLong(); // FRAME
                case '.' -> {
                    return pop();
                }
                case '(' -> stack.add(MARK);
                case 'N' -> stack.add(Pickle.NONE);
                case 0x88 -> stack.add(Boolean.TRUE);
                case 0x89 -> stack.add(Boolean.FALSE);
                case 'K' -> stack.add((long) (in.get() & 0xff));
                case 'M' -> stack.add((long) (in.getShort() & 0xffff));
                case 'J' -> stack.add((long) in.getInt());
                case 0x8a -> stack.add(longFrom(bytes(in.get() & 0xff)));
                case 0x8b -> stack.add(longFrom(bytes(in.getInt())));
                case 'G' -> stack.add(ByteBuffer.wrap(bytes(8)).order(ByteOrder.BIG_ENDIAN).getDouble());
                case 'I' -> {
                    String s = line();
                    stack.add(s.equals("01") ? Boolean.TRUE : s.equals("00") ? Boolean.FALSE : (Object) Long.parseLong(s));
                }
                case 'L' -> stack.add(Long.parseLong(line().replace("L", "")));
                case 'F' -> stack.add(Double.parseDouble(line()));
                case 'X' -> stack.add(utf8(bytes(in.getInt())));
                case 0x8c -> stack.add(utf8(bytes(in.get() & 0xff)));
                case 0x8d -> stack.add(utf8(bytes(Math.toIntExact(in.getLong()))));
                case 'V' -> stack.add(line());
                case 'T' -> stack.add(new String(bytes(in.getInt()), StandardCharsets.ISO_8859_1));
                case 'U' -> stack.add(new String(bytes(in.get() & 0xff), StandardCharsets.ISO_8859_1));
                case 'S' -> stack.add(unquote(line()));
                case 'B' -> stack.add(new Pickle.Bytes(bytes(in.getInt())));
                case 'C' -> stack.add(new Pickle.Bytes(bytes(in.get() & 0xff)));
                case 0x8e -> stack.add(new Pickle.Bytes(bytes(Math.toIntExact(in.getLong()))));
                case ')' -> stack.add(new Pickle.Tuple(List.of()));
                case 't' -> stack.add(new Pickle.Tuple(popMark()));
                case 0x85 -> stack.add(Pickle.Tuple.of(pop()));
                case 0x86 -> {
                    Object b = pop();
                    Object a = pop();
                    stack.add(Pickle.Tuple.of(a, b));
                }
                case 0x87 -> {
                    Object c = pop();
                    Object b = pop();
                    Object a = pop();
                    stack.add(Pickle.Tuple.of(a, b, c));
                }
                case ']' -> stack.add(new ArrayList<>());
                case 'l' -> stack.add(new ArrayList<>(popMark()));
                case 'a' -> {
                    Object v = pop();
                    asList(peek()).add(v);
                }
                case 'e' -> {
                    List<Object> items = popMark();
                    asList(peek()).addAll(items);
                }
                case '}' -> stack.add(new LinkedHashMap<>());
                case 'd' -> {
                    List<Object> items = popMark();
                    Map<Object, Object> d = new LinkedHashMap<>();
                    for (int i = 0; i < items.size(); i += 2) {
                        d.put(items.get(i), items.get(i + 1));
                    }
                    stack.add(d);
                }
                case 's' -> {
                    Object v = pop();
                    Object k = pop();
                    asDict(peek()).put(k, v);
                }
                case 'u' -> {
                    List<Object> items = popMark();
                    Map<Object, Object> d = asDict(peek());
                    for (int i = 0; i < items.size(); i += 2) {
                        d.put(items.get(i), items.get(i + 1));
                    }
                }
                case 'c' -> {
                    String module = line();
                    stack.add(new Pickle.Global(module, line()));
                }
                case 0x93 -> {
                    String name = (String) pop();
                    stack.add(new Pickle.Global((String) pop(), name));
                }
                case 'R' -> {
                    Pickle.Tuple args = (Pickle.Tuple) pop();
                    stack.add(new Pickle.Reduce(pop(), args));
                }
                case 0x81 -> {
                    Pickle.Tuple args = (Pickle.Tuple) pop();
                    stack.add(new Pickle.Obj((Pickle.Global) pop(), args));
                }
                case 'b' -> {
                    Object state = pop();
                    Object target = peek();
                    if (target instanceof Pickle.Obj o) {
                        o.state = state;
                    } else if (target instanceof Pickle.Reduce r) {
                        r.state = state;
                    } else {
                        throw new IllegalStateException("BUILD on " + target);
                    }
                }
                case 'Q' -> stack.add(new Pickle.PersistentId(pop()));
                case 'P' -> stack.add(new Pickle.PersistentId(line()));
                case 'q' -> memo.put((long) (in.get() & 0xff), peek());
                case 'r' -> memo.put((long) in.getInt() & 0xffffffffL, peek());
                case 'p' -> memo.put(Long.parseLong(line()), peek());
                case 0x94 -> memo.put((long) memo.size(), peek());
                case 'h' -> stack.add(memoGet(in.get() & 0xff));
                case 'j' -> stack.add(memoGet(in.getInt() & 0xffffffffL));
                case 'g' -> stack.add(memoGet(Long.parseLong(line())));
                case '0' -> pop();
                case '1' -> popMark();
                case '2' -> stack.add(peek());
                default -> throw new IOException("unsupported pickle opcode 0x" + Integer.toHexString(op)
                        + " at byte " + (in.position() - 1));
            }
        }
    }

    private Object memoGet(long key) {
        Object v = memo.get(key);
        if (v == null) {
            throw new IllegalStateException("memo key " + key + " missing");
        }
        return v;
    }

    private Object pop() {
        return stack.remove(stack.size() - 1);
    }

    private Object peek() {
        return stack.get(stack.size() - 1);
    }

    private List<Object> popMark() {
        int m = stack.lastIndexOf(MARK);
        if (m < 0) {
            throw new IllegalStateException("no MARK on the stack");
        }
        List<Object> items = new ArrayList<>(stack.subList(m + 1, stack.size()));
        stack.subList(m, stack.size()).clear();
        return items;
    }

    @SuppressWarnings("unchecked")
    private static List<Object> asList(Object o) {
        return (List<Object>) o;
    }

    @SuppressWarnings("unchecked")
    private static Map<Object, Object> asDict(Object o) {
        return (Map<Object, Object>) o;
    }

    private byte[] bytes(int n) {
        if (n < 0 || n > in.remaining()) {
            // checked before allocating: a damaged length must not allocate gigabytes (issue 12)
            throw new IllegalArgumentException("length " + n + " beyond the " + in.remaining() + " bytes left");
        }
        byte[] b = new byte[n];
        in.get(b);
        return b;
    }

    private String line() {
        StringBuilder sb = new StringBuilder();
        while (true) {
            byte b = in.get();
            if (b == '\n') {
                return sb.toString();
            }
            sb.append((char) (b & 0xff));
        }
    }

    private static String utf8(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }

    private static String unquote(String s) {
        return s.length() >= 2 && (s.charAt(0) == '\'' || s.charAt(0) == '"') ? s.substring(1, s.length() - 1) : s;
    }

    /** Little-endian two's complement bytes to a Long (or BigInteger when too large). */
    private static Object longFrom(byte[] le) {
        if (le.length == 0) {
            return 0L;
        }
        byte[] be = new byte[le.length];
        for (int i = 0; i < le.length; i++) {
            be[i] = le[le.length - 1 - i];
        }
        BigInteger v = new BigInteger(be);
        return v.bitLength() < 64 ? (Object) v.longValue() : v;
    }
}
