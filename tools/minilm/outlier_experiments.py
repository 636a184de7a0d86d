"""Outlier channels of MiniLM's dynamically quantized MatMul inputs, and what computing them in float buys.

Measured with ONNX Runtime's own dynamic quantizer, so it is independent of pot4j's writer: the FP32 model
is rewritten so that, for each weighted MatMul input, the channels whose calibration absolute maximum
(examples/minilm/data, real tokens) exceeds RATIO x the median channel's (at most K per input) are zeroed
before the MatMul (Mul by a 0/1 mask) and added back by a float MatMul over the matching weight rows
(float16, Cast); then quantize_dynamic (per-channel int8 weights) quantizes every other MatMul. Prints the
per-input channel maxima and, for each variant, the mean/min cosine of mean-pooled sentence embeddings to
FP32 and the mean per-token cosine on examples/minilm/eval (same measures as peer_experiments.py).

    python tools/minilm/outlier_experiments.py FP32_MODEL WORK_DIR [RATIO ...]     (default ratios 6 4 3)
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper
from onnxruntime.quantization import QuantType, quantize_dynamic

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import peer_experiments as pe  # noqa: E402

MAX_CHANNELS = 8


def channel_maxima(fp32, calib, xs):
    probe = onnx.load(fp32)
    for x in xs:
        probe.graph.output.append(helper.make_tensor_value_info(x, TensorProto.FLOAT, None))
    real = calib["attention_mask"].astype(bool)
    return {x: np.abs(v[real]).max(0) for x, v in zip(xs, pe.run(probe, calib, xs))}


def split(fp32, amax, ratio, out):
    m = onnx.load(fp32)
    inits = {t.name: t for t in m.graph.initializer}
    side_nodes = []
    for n in [n for n in m.graph.node if n.op_type == "MatMul" and n.input[1] in inits]:
        x, a = n.input[0], amax[n.input[0]]
        idx = [c for c in np.argsort(-a)[:MAX_CHANNELS] if a[c] > ratio * np.median(a)]
        if not idx:
            continue
        w = numpy_helper.to_array(inits[n.input[1]])
        keep = np.ones(w.shape[0], np.float32)
        keep[idx] = 0
        p = n.name
        m.graph.initializer.extend([numpy_helper.from_array(keep, p + "_keep"),
                                    numpy_helper.from_array(np.asarray(idx, np.int64), p + "_oidx"),
                                    numpy_helper.from_array(w[idx, :].astype(np.float16), p + "_ow16")])
        y = n.output[0]
        n.input[0], n.output[0] = p + "_xin", p + "_ym"
        i = list(m.graph.node).index(n)
        for j, node in enumerate([
                helper.make_node("Mul", [x, p + "_keep"], [p + "_xin"]),
                helper.make_node("Gather", [x, p + "_oidx"], [p + "_xo"], axis=-1),
                helper.make_node("Cast", [p + "_ow16"], [p + "_ow"], to=TensorProto.FLOAT),
                helper.make_node("MatMul", [p + "_xo", p + "_ow"], [p + "_yo"], name=p + "_side")]):
            m.graph.node.insert(i + j, node)
        m.graph.node.insert(list(m.graph.node).index(n) + 1, helper.make_node("Add", [p + "_ym", p + "_yo"], [y]))
        side_nodes.append(p + "_side")
    src = out.replace("-int8.onnx", "-fp32.onnx")
    onnx.save(m, src)
    quantize_dynamic(src, out, op_types_to_quantize=["MatMul"], per_channel=True, weight_type=QuantType.QInt8,
                     nodes_to_exclude=side_nodes)
    return len(side_nodes)


def main():
    fp32, work = sys.argv[1], sys.argv[2]
    ratios = [float(r) for r in sys.argv[3:]] or [6, 4, 3]
    os.makedirs(work, exist_ok=True)
    calib, ev = pe.load("data"), pe.load("eval")
    ref = pe.run(fp32, ev)[0]
    model = onnx.load(fp32, load_external_data=False)
    inits = {t.name for t in model.graph.initializer}
    xs = sorted({n.input[0] for n in model.graph.node if n.op_type == "MatMul" and n.input[1] in inits})
    amax = channel_maxima(fp32, calib, xs)
    for x in xs:
        a = np.sort(amax[x])[::-1]
        print(f"{x}: top {np.round(a[:6], 1)} median {np.median(a):.2f}")
    base = os.path.join(work, "all-int8.onnx")
    quantize_dynamic(fp32, base, op_types_to_quantize=["MatMul"], per_channel=True, weight_type=QuantType.QInt8)
    variants = {"all": (base, 0)}
    for r in ratios:
        out = os.path.join(work, f"outliers_r{r:g}-int8.onnx")
        variants[f"outliers_r{r:g}"] = (out, split(fp32, amax, r, out))
    for name, (path, nodes) in variants.items():
        mean, low, tok = pe.scores(pe.run(path, ev)[0], ref, ev["attention_mask"])
        print(f"{name:14s} split MatMuls {nodes:2d}  sentence cosine mean {mean:.5f} min {low:.5f}  per-token {tok:.5f}"
              f"  {os.path.getsize(path) / 1e6:.2f} MB")


if __name__ == "__main__":
    main()
