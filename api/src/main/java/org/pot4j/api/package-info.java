/**
 * The stable pot4j SPI: tensors, datasets, backends and their graph view, quantization plans,
 * metrics, algorithms, progress and errors. JDK only; changes only compatibly (0.x exception, issue 13:
 * metric, dataset and backend providers declare a parameter record, {@link org.pot4j.api.param}; a
 * plugin built against the older SPI is reported by discovery as "built against an older pot4j-api"
 * and skipped).
 */
package org.pot4j.api;
