/**
 * pot4j's built-in metrics: {@code accuracy} (top-k), {@code mse}, {@code nmse},
 * {@code cosine_similarity} and {@code f1}, each a {@link org.pot4j.api.metric.MetricProvider}
 * registered through {@code META-INF/services}. They follow POT's metric contract exactly: one
 * {@code update} per sample, {@code value()} for the last sample, {@code avgValue()} over all.
 */
package org.pot4j.metrics;
