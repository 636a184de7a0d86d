/**
 * The stable pot4j SPI: tensors, datasets, backends and their graph view, quantization plans,
 * metrics, algorithms, progress and errors. JDK only; changes only compatibly.
 */
package org.pot4j.api;
