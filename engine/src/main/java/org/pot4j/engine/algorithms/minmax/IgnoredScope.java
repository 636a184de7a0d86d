package org.pot4j.engine.algorithms.minmax;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import org.pot4j.api.ErrorCode;
import org.pot4j.api.Pot4jException;
import org.pot4j.api.graph.NodeKind;
import org.pot4j.api.model.Model;
import org.pot4j.api.model.QuantizableNode;
import org.pot4j.engine.config.ConfigErrors;
import org.pot4j.engine.config.Suggestions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Nodes kept in FP32 by the user: by name, by op type, or by regular expression on the name. Reads
 * both spellings: POT's {@code ignored: {scope: [names], operations: [{type: T}]}} and NNCF's
 * {@code ignored_scope: {names, types, patterns, validate}} (or a plain list of names); the two are
 * merged. Patterns match from the start of the node name, as NNCF's {@code re.match}. pot4j adds
 * {@code kinds}: framework-neutral node kinds ({@code add}, {@code softmax}, {@code conv}, ... see
 * {@link NodeKind}), so one config keeps the same nodes in FP32 on every backend.
 *
 * <p>As in NNCF ({@code validate=True} by default), a name or pattern that matches no quantizable
 * node is an error, so a typo never silently quantizes a node the user meant to keep. Types that
 * match nothing only log a warning: configs often list types (e.g. Softmax) that a backend's graph
 * view does not expose as quantizable.
 *
 * @param names    exact node ids
 * @param types    op types (case-insensitive)
 * @param kinds    neutral node kinds
 * @param patterns regular expressions over node ids
 * @param validate fail on names/patterns that match nothing
 */
public record IgnoredScope(Set<String> names, Set<String> types, Set<NodeKind> kinds, List<Pattern> patterns,
                           boolean validate) {
    private static final Logger LOG = LoggerFactory.getLogger(IgnoredScope.class);

    /** Nothing ignored. */
    public static final IgnoredScope NONE = new IgnoredScope(Set.of(), Set.of(), Set.of(), List.of(), true);

    /** Copies. */
    public IgnoredScope {
        names = Set.copyOf(names);
        types = Set.copyOf(types);
        kinds = Set.copyOf(kinds);
        patterns = List.copyOf(patterns);
    }

    /**
     * Reads {@code ignored} and {@code ignored_scope} of an algorithm's parameters, as given (a name,
     * a list of names, or a map bound by the engine's binder).
     */
    static IgnoredScope parse(Object ignored, Object ignoredScope, String algorithm) {
        Set<String> names = new LinkedHashSet<>();
        Set<String> types = new LinkedHashSet<>();
        Set<NodeKind> kinds = new LinkedHashSet<>();
        List<Pattern> patterns = new ArrayList<>();
        boolean validate = true;
        Map<String, Object> given = new java.util.LinkedHashMap<>();
        given.put("ignored", ignored);
        given.put("ignored_scope", ignoredScope);
        for (Map.Entry<String, Object> e : given.entrySet()) {
            String path = "params." + e.getKey();
            Object v = e.getValue();
            if (v == null) {
                continue;
            }
            if (!(v instanceof Map)) {
                names.addAll(strings(v, algorithm, path));
                continue;
            }
            MinMaxKeys.Ignored p = MinMaxKeys.nested(v, MinMaxKeys.Ignored.class, algorithm, path,
                    "{scope: [names], operations: [{type: Softmax}], patterns: [regex], kinds: [add]}");
            if (p.scope() != null) {
                names.addAll(strings(p.scope(), algorithm, path + ".scope"));
            }
            if (p.names() != null) {
                names.addAll(strings(p.names(), algorithm, path + ".names"));
            }
            orEmpty(p.types()).forEach(t -> types.add(t.toLowerCase(Locale.ROOT)));
            for (String k : orEmpty(p.kinds())) {
                kinds.add(kind(k, algorithm, path + ".kinds"));
            }
            List<MinMaxKeys.Operation> operations = orEmpty(p.operations());
            for (int i = 0; i < operations.size(); i++) {
                MinMaxKeys.Operation op = operations.get(i);
                String at = path + ".operations[" + i + "]";
                if (op == null || op.type() == null) {
                    throw ConfigErrors.invalid(null, at + ".type", "of " + MinMaxKeys.where(algorithm)
                            + " is missing: each ignored operation needs a type, e.g. {type: Softmax}");
                }
                if (op.attributes() != null && !op.attributes().isEmpty()) {
                    throw ConfigErrors.invalid(null, at + ".attributes", "of " + MinMaxKeys.where(algorithm) + " are not"
                            + " supported: pot4j ignores operations by type only; list node names in scope instead");
                }
                types.add(op.type().toLowerCase(Locale.ROOT));
            }
            List<String> regexes = new ArrayList<>(orEmpty(p.patterns()));
            regexes.addAll(orEmpty(p.regex()));
            for (String r : regexes) {
                try {
                    patterns.add(Pattern.compile(r));
                } catch (PatternSyntaxException x) {
                    throw new Pot4jException(ErrorCode.CONFIG_INVALID, path + ".patterns of " + MinMaxKeys.where(algorithm)
                            + " has an invalid regular expression '" + r + "': " + x.getDescription());
                }
            }
            validate &= p.validate() == null || p.validate();
        }
        return new IgnoredScope(names, types, kinds, patterns, validate);
    }

    private static <T> List<T> orEmpty(List<T> list) {
        return list == null ? List.of() : list;
    }

    /** A name or a list of names (numbers count as their text). */
    private static List<String> strings(Object v, String algorithm, String path) {
        if (v instanceof String s) {
            return List.of(s);
        }
        List<String> out = new ArrayList<>();
        if (v instanceof java.util.Collection<?> c) {
            for (Object o : c) {
                if (!(o instanceof String || o instanceof Number)) {
                    out = null;
                    break;
                }
                out.add(o.toString());
            }
            if (out != null) {
                return out;
            }
        }
        throw ConfigErrors.invalid(null, path, "of " + MinMaxKeys.where(algorithm) + " must be a list of node names"
                + (path.endsWith("ignored") || path.endsWith("ignored_scope")
                ? " or a map {scope, operations, names, types, kinds, patterns}" : "") + ", not '" + v + "'");
    }

    private static NodeKind kind(String k, String algorithm, String path) {
        List<String> valid = new ArrayList<>();
        for (NodeKind nk : NodeKind.values()) {
            valid.add(nk.name().toLowerCase(Locale.ROOT));
        }
        String key = k.toLowerCase(Locale.ROOT);
        if (!valid.contains(key)) {
            throw ConfigErrors.invalid(null, path, "of " + MinMaxKeys.where(algorithm) + " has an unknown node kind '" + k
                    + "'" + Suggestions.didYouMean(key, valid) + "; kinds are " + valid);
        }
        return NodeKind.valueOf(key.toUpperCase(Locale.ROOT));
    }

    /** True when nothing is ignored. */
    public boolean isEmpty() {
        return names.isEmpty() && types.isEmpty() && kinds.isEmpty() && patterns.isEmpty();
    }

    /** Why {@code node} is ignored, or null when it is not. */
    public String reason(QuantizableNode node) {
        if (names.contains(node.id())) {
            return "ignored by name";
        }
        if (types.contains(node.opType().toLowerCase(Locale.ROOT))) {
            return "ignored by type " + node.opType();
        }
        if (kinds.contains(node.kind())) {
            return "ignored by kind " + node.kind().name().toLowerCase(Locale.ROOT);
        }
        for (Pattern p : patterns) {
            if (p.matcher(node.id()).lookingAt()) {
                return "ignored by pattern " + p.pattern();
            }
        }
        return null;
    }

    /**
     * Checks that every name and pattern matches a quantizable node of {@code model}.
     *
     * @throws Pot4jException {@code CONFIG_INVALID} listing what matched nothing (unless {@code validate} is false)
     */
    public void check(Model model, List<QuantizableNode> nodes) {
        Set<String> ids = new LinkedHashSet<>();
        Set<String> opTypes = new TreeSet<>();
        Set<NodeKind> nodeKinds = new TreeSet<>();
        for (QuantizableNode n : nodes) {
            ids.add(n.id());
            opTypes.add(n.opType().toLowerCase(Locale.ROOT));
            nodeKinds.add(n.kind());
        }
        List<String> missing = new ArrayList<>();
        for (String n : names) {
            if (!ids.contains(n)) {
                missing.add("name '" + n + "'");
            }
        }
        for (Pattern p : patterns) {
            if (ids.stream().noneMatch(id -> p.matcher(id).lookingAt())) {
                missing.add("pattern '" + p.pattern() + "'");
            }
        }
        for (String t : types) {
            if (!opTypes.contains(t)) {
                LOG.warn("ignored type '{}' matches no quantizable node of {} (types there: {})", t, model.path(), opTypes);
            }
        }
        for (NodeKind k : kinds) {
            if (!nodeKinds.contains(k)) {
                LOG.warn("ignored kind '{}' matches no quantizable node of {} (kinds there: {})", k.name().toLowerCase(Locale.ROOT),
                        model.path(), nodeKinds);
            }
        }
        if (missing.isEmpty()) {
            return;
        }
        List<String> some = ids.stream().limit(12).toList();
        String msg = "ignored scope " + missing + " matches no quantizable node of model " + model.path() + "; nodes are "
                + some + (ids.size() > some.size() ? " and " + (ids.size() - some.size()) + " more" : "")
                + " (set ignored_scope.validate to false to allow this)";
        if (validate) {
            throw new Pot4jException(ErrorCode.CONFIG_INVALID, msg);
        }
        LOG.warn(msg);
    }

    /** A short summary for plan metadata. */
    public Map<String, Object> describe() {
        Map<String, Object> m = new java.util.LinkedHashMap<>(Map.of("names", List.copyOf(names), "types", List.copyOf(types),
                "patterns", patterns.stream().map(Pattern::pattern).toList()));
        if (!kinds.isEmpty()) {
            m.put("kinds", kinds.stream().map(k -> k.name().toLowerCase(Locale.ROOT)).toList());
        }
        return m;
    }
}
