package org.pot4j.engine.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.pot4j.api.ErrorCode;
import org.pot4j.api.Pot4jException;
import org.pot4j.api.data.Dataset;
import org.pot4j.api.data.Sample;
import org.pot4j.engine.config.MetricSpec;
import org.pot4j.engine.testing.ArrayDataset;

/** Masked metrics get the mask through the annotation; a dataset without it fails before any pass. */
class InputAnnotatedDatasetTest {
    private final Dataset data = ArrayDataset.generated("attention_mask", new long[] {4}, 3, 1);

    @Test
    void annotationCarriesTheReferenceAndTheNamedInputs() {
        Dataset wrapped = new InputAnnotatedDataset(data, List.of("attention_mask"));
        Sample s = wrapped.get(1);
        Map<?, ?> annotation = (Map<?, ?>) s.annotation();
        assertSame(s.inputs().get("attention_mask"), annotation.get("attention_mask"));
        assertTrue(annotation.containsKey(InputAnnotatedDataset.REFERENCE));
        assertEquals(data.size(), wrapped.size());
    }

    @Test
    void missingMaskInputIsOneClearConfigError() {
        Pot4jException e = assertThrows(Pot4jException.class,
                () -> InputAnnotatedDataset.check(data, List.of("attention_mask", "token_mask"), "metric mask_input"));
        assertEquals(ErrorCode.CONFIG_INVALID, e.code());
        assertTrue(e.getMessage().contains("'token_mask'") && e.getMessage().contains("attention_mask"), e.getMessage());
    }

    @Test
    void metricsWithMaskInputAddAnnotationInputsToTheDatasetSpec() {
        Map<String, Object> spec = Map.of("type", "npy", "path", "eval");
        List<MetricSpec> metrics = List.of(new MetricSpec("cosine_similarity", Map.of("mask_input", "attention_mask")),
                new MetricSpec("sentence_cosine", Map.of("mask_input", "attention_mask")), new MetricSpec("nmse", Map.of()));
        assertEquals(List.of("attention_mask"), MaskInputs.spec(spec, metrics).get("annotation_inputs"));
        assertSame(spec, MaskInputs.spec(spec, List.of(new MetricSpec("nmse", Map.of()))));
    }
}
