package org.pot4j.backend.djl;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * The object model of the pickle streams inside a TorchScript archive ({@code data.pkl},
 * {@code constants.pkl}). Nothing is executed: a global is kept as its name, a {@code REDUCE} or
 * {@code NEWOBJ} as the call it describes, so {@link PickleWriter} can write back exactly what was
 * read, with changes. Strings, numbers and booleans are plain Java values; dicts are
 * {@link java.util.LinkedHashMap}s, lists {@link ArrayList}s.
 */
final class Pickle {
    /** Python's {@code None}. */
    static final Object NONE = new Object() {
        @Override
        public String toString() {
            return "None";
        }
    };

    private Pickle() {
    }

    /** A reference to a Python global ({@code module.name}), e.g. a module class or a storage type. */
    record Global(String module, String name) {
        String qualifiedName() {
            return module + "." + name;
        }
    }

    /** An immutable Python tuple. */
    static final class Tuple {
        final List<Object> items;

        Tuple(List<Object> items) {
            this.items = List.copyOf(items.stream().map(i -> i == null ? NONE : i).toList());
        }

        static Tuple of(Object... items) {
            return new Tuple(Arrays.asList(items));
        }

        Object get(int i) {
            return items.get(i);
        }

        int size() {
            return items.size();
        }

        @Override
        public String toString() {
            return "Tuple" + items;
        }
    }

    /** {@code func(*args)}: the result of a {@code REDUCE}, e.g. {@code torch._utils._rebuild_tensor_v2(...)}. */
    static final class Reduce {
        final Object func;
        final Tuple args;
        /** State applied by a following {@code BUILD}, or null. */
        Object state;

        Reduce(Object func, Tuple args) {
            this.func = func;
            this.args = args;
        }

        boolean calls(String module, String name) {
            return func instanceof Global g && g.module().equals(module) && g.name().equals(name);
        }

        @Override
        public String toString() {
            return "Reduce(" + func + ", " + args + ")";
        }
    }

    /**
     * {@code cls.__new__(cls, *args)} followed by {@code BUILD(state)}: how TorchScript pickles a
     * module object, its state being a dict of attribute name to value.
     */
    static final class Obj {
        final Global cls;
        final Tuple args;
        Object state;

        Obj(Global cls, Tuple args) {
            this.cls = Objects.requireNonNull(cls);
            this.args = args;
        }

        @Override
        public String toString() {
            return "Obj(" + cls.qualifiedName() + ")";
        }
    }

    /** A persistent id ({@code BINPERSID}): TorchScript uses it to point at {@code data/<key>} storage records. */
    static final class PersistentId {
        final Object id;

        PersistentId(Object id) {
            this.id = id;
        }

        @Override
        public String toString() {
            return "PersistentId(" + id + ")";
        }
    }

    /** Python {@code bytes}. */
    record Bytes(byte[] value) {
    }
}
