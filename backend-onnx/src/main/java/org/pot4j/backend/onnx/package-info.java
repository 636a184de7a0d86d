/**
 * The {@code onnx} backend: reads {@code .onnx} models, runs them with ONNX Runtime, and writes
 * quantized models in the QDQ format that ONNX Runtime turns into integer kernels.
 *
 * <p>How a plan becomes a fast model ({@link org.pot4j.backend.onnx.OnnxGraphView} maps the graph to
 * neutral kinds and the api's {@code QuantizerPlacement} decides the quantizer layout under its rules, {@link org.pot4j.backend.onnx.OnnxQdqWriter} writes it; the same writer serves
 * {@code compile} and {@code save}, so what the engine measures is what is saved):
 * <ul>
 * <li>weights: INT8 initializers with per-channel scales (Conv axis 0, ConvTranspose axis 1, Gemm
 * axis 0 or 1 by {@code transB}, MatMul the last axis) followed by DequantizeLinear;</li>
 * <li>biases of Conv/Gemm whose input is quantized: INT32 with scale = input scale x weight scale,
 * so ORT folds them into QLinearConv/QGemm; other biases stay float, bias shifts included;</li>
 * <li>activations: QuantizeLinear + DequantizeLinear stored as uint8 (signed quantizers are written
 * as the identical uint8 quantizer with zero point + 128, because ORT's x86 fusions take uint8
 * activations only); every Conv also quantizes its output (after a single Relu/Clip, which ORT
 * folds away), or it would stay a float Conv;</li>
 * <li>torch's Identity nodes in front of weights are folded at load, Constant nodes become
 * initializers, nodes get unique names (their ids in plans);</li>
 * <li>models below opset 13 get {@code com.microsoft} Q/DQ, which take the per-channel axis.</li>
 * </ul>
 */
package org.pot4j.backend.onnx;
