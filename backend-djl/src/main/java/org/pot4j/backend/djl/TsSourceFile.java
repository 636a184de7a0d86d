package org.pot4j.backend.djl;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One {@code code/__torch__/...py} record of a TorchScript archive, split into its classes and
 * their methods. torch's code printer indents by two spaces per level: classes at column 0, their
 * declarations and {@code def}s at 2, method bodies at 4.
 */
final class TsSourceFile {
    final String record;
    final List<String> lines;
    final Map<String, TsClass> classes = new LinkedHashMap<>();

    /** A class of the file: its name and methods, and where its declarations end. */
    static final class TsClass {
        final String name;
        final int headerLine;
        int firstDefLine = -1;
        int endLine;
        final Map<String, TsMethod> methods = new LinkedHashMap<>();

        TsClass(String name, int headerLine) {
            this.name = name;
            this.headerLine = headerLine;
        }
    }

    /**
     * A method: {@code def name(self: Cls, p: T, ...) -> R:} and its body lines (indentation of 4
     * removed; deeper lines keep their extra spaces).
     */
    static final class TsMethod {
        final String name;
        final int startLine;
        final int endLine;
        final List<String[]> params;
        final String returnType;
        final List<String> body;

        TsMethod(String name, int startLine, int endLine, List<String[]> params, String returnType, List<String> body) {
            this.name = name;
            this.startLine = startLine;
            this.endLine = endLine;
            this.params = params;
            this.returnType = returnType;
            this.body = body;
        }
    }

    TsSourceFile(String record, String text) {
        this.record = record;
        this.lines = List.of(text.split("\n", -1));
        parse();
    }

    private void parse() {
        TsClass current = null;
        int i = 0;
        while (i < lines.size()) {
            String line = lines.get(i);
            if (line.startsWith("class ")) {
                if (current != null) {
                    current.endLine = i;
                }
                String name = line.substring(6, line.indexOf(line.contains("(") ? '(' : ':')).trim();
                current = new TsClass(name, i);
                classes.put(name, current);
                i++;
            } else if (current != null && line.startsWith("  def ")) {
                if (current.firstDefLine < 0) {
                    current.firstDefLine = i;
                }
                int start = i;
                StringBuilder sig = new StringBuilder(line.trim());
                int depth = depth(line);
                while (!(depth == 0 && sig.toString().endsWith(":")) && i + 1 < lines.size()) {
                    i++;
                    sig.append(' ').append(lines.get(i).trim());
                    depth += depth(lines.get(i));
                }
                i++;
                List<String> body = new ArrayList<>();
                while (i < lines.size() && (lines.get(i).startsWith("    ") || lines.get(i).isBlank())) {
                    if (!lines.get(i).isBlank()) {
                        body.add(lines.get(i).substring(4));
                    }
                    i++;
                }
                TsMethod m = method(sig.toString(), start, i, body);
                current.methods.put(m.name, m);
            } else {
                if (current != null && !line.startsWith(" ") && !line.isBlank()) {
                    current.endLine = i;
                    current = null;
                }
                i++;
            }
        }
        if (current != null) {
            current.endLine = lines.size();
        }
    }

    private static int depth(String s) {
        int d = 0;
        for (char c : s.toCharArray()) {
            if (c == '(' || c == '[') {
                d++;
            } else if (c == ')' || c == ']') {
                d--;
            }
        }
        return d;
    }

    private static TsMethod method(String sig, int start, int end, List<String> body) {
        List<TsToken> t = TsToken.tokenize(sig);
        String name = t.get(1).text();
        int open = 2;
        int close = TsToken.matching(t, open);
        List<String[]> params = new ArrayList<>();
        for (List<TsToken> p : TsToken.splitTopLevel(t, open + 1, close)) {
            int colon = -1;
            for (int k = 0; k < p.size(); k++) {
                if (p.get(k).is(":")) {
                    colon = k;
                    break;
                }
            }
            String pname = p.get(0).text();
            String ptype = colon < 0 ? "" : TsToken.join(p.subList(colon + 1, p.size())).trim();
            params.add(new String[] {pname, ptype});
        }
        String ret = "";
        if (close + 1 < t.size() && t.get(close + 1).is("->")) {
            ret = TsToken.join(t.subList(close + 2, t.size() - 1)).trim();
        }
        return new TsMethod(name, start, end, params, ret, body);
    }
}
