package org.pot4j.engine.data;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.pot4j.api.ErrorCode;
import org.pot4j.api.Pot4jException;
import org.pot4j.api.data.Dataset;
import org.pot4j.api.data.Sample;

/**
 * A view of a dataset whose annotation also carries some of the sample's own inputs: each annotation
 * becomes the map {@code {reference: <original annotation>, <input>: <that input tensor>, ...}}. Masked
 * metrics ({@code cosine_similarity}, {@code nmse}, {@code sentence_cosine} with {@code mask_input:
 * attention_mask}) read the mask from it, since the metric contract gives a metric the outputs and the
 * annotation only. The engine wraps a validation set this way when a metric names a {@code mask_input}.
 */
public final class InputAnnotatedDataset implements Dataset {
    /** Key of the original annotation in the map. */
    public static final String REFERENCE = "reference";

    private final Dataset base;
    private final List<String> inputs;

    /**
     * @param base   the annotated data
     * @param inputs names of the inputs to attach (checked with {@link #check} on the un-annotated data)
     */
    public InputAnnotatedDataset(Dataset base, List<String> inputs) {
        this.base = Objects.requireNonNull(base, "base");
        this.inputs = List.copyOf(inputs);
    }

    /**
     * Fails with one clear error when sample 0 of {@code data} lacks one of {@code inputs}, before any
     * pass runs (checked on the data before FP32 annotation, which would run the model).
     */
    public static void check(Dataset data, List<String> inputs, String why) {
        Sample s = data.get(0);
        for (String in : inputs) {
            if (!s.inputs().containsKey(in)) {
                throw new Pot4jException(ErrorCode.CONFIG_INVALID, why + " reads input '" + in + "' but dataset '" + data.name()
                        + "' has only " + s.inputs().keySet() + "; add that input to the dataset (e.g. `inputs: [input_ids,"
                        + " attention_mask, ...]`) or remove mask_input");
            }
        }
    }

    /** The data whose inputs this view shows. */
    public Dataset base() {
        return base;
    }

    @Override
    public int size() {
        return base.size();
    }

    @Override
    public Sample get(int index) {
        Sample s = base.get(index);
        Map<String, Object> annotation = new LinkedHashMap<>();
        annotation.put(REFERENCE, s.annotation());
        for (String in : inputs) {
            annotation.put(in, s.inputs().get(in));
        }
        return new Sample(s.inputs(), annotation, s.metadata());
    }

    @Override
    public String name() {
        return base.name();
    }
}
