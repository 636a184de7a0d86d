/**
 * The pot4j engine facade: {@link org.pot4j.engine.Pot4j} (load models, quantize with
 * {@code DefaultQuantization} or {@code AccuracyAwareQuantization}, evaluate, look up metrics,
 * datasets and algorithms by name), built by Guice from the providers that plugin discovery found.
 *
 * <pre>{@code
 * try (Pot4j pot4j = Pot4j.create()) {                       // class path + ./plugins
 *     Model model = pot4j.loadModel(Path.of("lenet.onnx"));  // backend chosen by accepts()
 *     Dataset calibration = pot4j.openDataset(Map.of("type", "idx", "images", "cal-images.idx3-ubyte"), baseDir);
 *     QuantizationResult r = pot4j.quantize(model, calibration, Map.of("preset", "performance"));
 *     model.save(r.plan(), Path.of("lenet-int8.onnx"));
 * }
 * }</pre>
 */
package org.pot4j.engine;
