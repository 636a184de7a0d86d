package org.pot4j.api.model;

import java.util.Objects;

/**
 * What one integer input of a model may hold, so that bad data fails before any pass instead of as a
 * runtime error (or silently wrong output) in the middle of one. Token ids index an embedding table:
 * values must lie in {@code [0, valueBound)}; position embeddings are looked up by position: the input's
 * last axis (the sequence) must be at most {@code lengthBound} long.
 *
 * @param input       the model input
 * @param valueBound  exclusive upper bound of the values (lower bound 0), or -1 for none
 * @param lengthBound largest length of the input's last axis, or -1 for none
 * @param culprit     what sets the bound, for the error message (e.g. the embedding table's name and rows)
 */
public record InputLimit(String input, long valueBound, long lengthBound, String culprit) {
    public InputLimit {
        Objects.requireNonNull(input, "input");
        Objects.requireNonNull(culprit, "culprit");
    }

    /** Values must lie in {@code [0, rows)} of an embedding table. */
    public static InputLimit values(String input, long rows, String culprit) {
        return new InputLimit(input, rows, -1, culprit);
    }

    /** The last axis may be at most {@code rows} long (a position table). */
    public static InputLimit length(String input, long rows, String culprit) {
        return new InputLimit(input, -1, rows, culprit);
    }
}
