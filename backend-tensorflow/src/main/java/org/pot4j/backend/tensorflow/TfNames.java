package org.pot4j.backend.tensorflow;

/**
 * Tensor and node-input names as TensorFlow writes them. A GraphDef input is {@code op},
 * {@code op:2} or {@code ^op} (a control input); pot4j always names tensors canonically as
 * {@code op:index}, so the same tensor has one spelling in plans, configs and reports.
 */
final class TfNames {
    private TfNames() {
    }

    /** True for a control input ({@code ^op}). */
    static boolean isControl(String input) {
        return input.startsWith("^");
    }

    /** The op a node input or tensor name refers to ({@code a/b:1} and {@code ^a/b} give {@code a/b}). */
    static String opName(String input) {
        String s = isControl(input) ? input.substring(1) : input;
        int colon = s.lastIndexOf(':');
        return colon < 0 ? s : s.substring(0, colon);
    }

    /** The output index of a tensor name ({@code op} means output 0). */
    static int outputIndex(String input) {
        if (isControl(input)) {
            return -1;
        }
        int colon = input.lastIndexOf(':');
        if (colon < 0) {
            return 0;
        }
        try {
            return Integer.parseInt(input.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a tensor name: " + input, e);
        }
    }

    /** The canonical {@code op:index} spelling of a data input or tensor name. */
    static String canonical(String input) {
        return opName(input) + ":" + outputIndex(input);
    }

    /** Canonical name of output {@code index} of {@code op}. */
    static String tensor(String op, int index) {
        return op + ":" + index;
    }

    /** The GraphDef input spelling of output {@code index} of {@code op} ({@code op} for index 0). */
    static String input(String op, int index) {
        return index == 0 ? op : op + ":" + index;
    }
}
