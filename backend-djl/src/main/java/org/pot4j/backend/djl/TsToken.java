package org.pot4j.backend.djl;

import java.util.ArrayList;
import java.util.List;

/**
 * A token of one line of TorchScript source (the Python subset torch's code printer emits), with
 * the whitespace before it, so a line can be rewritten token by token and printed back unchanged
 * where nothing was replaced.
 *
 * @param kind kind of token
 * @param text the token text
 * @param ws   whitespace before it
 */
record TsToken(Kind kind, String text, String ws) {
    /** Token kinds. */
    enum Kind { IDENT, NUMBER, STRING, OP }

    private static final String[] TWO_CHAR_OPS = {"==", "!=", "<=", ">=", "->", "**", "//", "<<", ">>"};

    static TsToken ident(String name, String ws) {
        return new TsToken(Kind.IDENT, name, ws);
    }

    boolean is(String s) {
        return text.equals(s) && kind != Kind.STRING;
    }

    boolean isIdent() {
        return kind == Kind.IDENT;
    }

    /** Splits one logical line into tokens. */
    static List<TsToken> tokenize(String line) {
        List<TsToken> out = new ArrayList<>();
        int i = 0;
        int n = line.length();
        while (i < n) {
            int wsStart = i;
            while (i < n && (line.charAt(i) == ' ' || line.charAt(i) == '\t')) {
                i++;
            }
            if (i >= n) {
                break;
            }
            String ws = line.substring(wsStart, i);
            char c = line.charAt(i);
            int start = i;
            if (Character.isLetter(c) || c == '_') {
                while (i < n && (Character.isLetterOrDigit(line.charAt(i)) || line.charAt(i) == '_')) {
                    i++;
                }
                out.add(new TsToken(Kind.IDENT, line.substring(start, i), ws));
            } else if (Character.isDigit(c) || (c == '.' && i + 1 < n && Character.isDigit(line.charAt(i + 1)))) {
                while (i < n && (Character.isLetterOrDigit(line.charAt(i)) || line.charAt(i) == '.'
                        || ((line.charAt(i) == '-' || line.charAt(i) == '+')
                        && (line.charAt(i - 1) == 'e' || line.charAt(i - 1) == 'E')))) {
                    i++;
                }
                out.add(new TsToken(Kind.NUMBER, line.substring(start, i), ws));
            } else if (c == '"' || c == '\'') {
                i++;
                while (i < n && line.charAt(i) != c) {
                    if (line.charAt(i) == '\\') {
                        i++;
                    }
                    i++;
                }
                i = Math.min(n, i + 1);
                out.add(new TsToken(Kind.STRING, line.substring(start, i), ws));
            } else {
                String two = i + 1 < n ? line.substring(i, i + 2) : "";
                boolean isTwo = false;
                for (String op : TWO_CHAR_OPS) {
                    isTwo |= op.equals(two);
                }
                i += isTwo ? 2 : 1;
                out.add(new TsToken(Kind.OP, line.substring(start, i), ws));
            }
        }
        return out;
    }

    /** Prints tokens back as source text (leading whitespace of the first token dropped). */
    static String join(List<TsToken> tokens) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < tokens.size(); i++) {
            TsToken t = tokens.get(i);
            sb.append(i == 0 ? "" : t.ws).append(t.text);
        }
        return sb.toString();
    }

    /** Index of the bracket closing the one at {@code open}, or -1. */
    static int matching(List<TsToken> tokens, int open) {
        int depth = 0;
        for (int i = open; i < tokens.size(); i++) {
            TsToken t = tokens.get(i);
            if (t.kind == Kind.OP && (t.text.equals("(") || t.text.equals("[") || t.text.equals("{"))) {
                depth++;
            } else if (t.kind == Kind.OP && (t.text.equals(")") || t.text.equals("]") || t.text.equals("}"))) {
                if (--depth == 0) {
                    return i;
                }
            }
        }
        return -1;
    }

    /** Splits {@code tokens[from, to)} at top-level commas; a trailing empty part is dropped. */
    static List<List<TsToken>> splitTopLevel(List<TsToken> tokens, int from, int to) {
        List<List<TsToken>> parts = new ArrayList<>();
        int depth = 0;
        int start = from;
        for (int i = from; i < to; i++) {
            TsToken t = tokens.get(i);
            if (t.kind == Kind.OP && (t.text.equals("(") || t.text.equals("[") || t.text.equals("{"))) {
                depth++;
            } else if (t.kind == Kind.OP && (t.text.equals(")") || t.text.equals("]") || t.text.equals("}"))) {
                depth--;
            } else if (depth == 0 && t.is(",")) {
                parts.add(new ArrayList<>(tokens.subList(start, i)));
                start = i + 1;
            }
        }
        if (start < to) {
            parts.add(new ArrayList<>(tokens.subList(start, to)));
        }
        return parts;
    }
}
