/**
 * The stable pot4j SPI: tensors, datasets, backends and their graph view, quantization plans,
 * metrics, algorithms, progress and errors. JDK only; changes only compatibly (0.x exception, issue 13:
 * metric and dataset providers declare a parameter record, {@link org.pot4j.api.param}).
 */
package org.pot4j.api;
