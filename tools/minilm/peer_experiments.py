"""What limits the accuracy of an INT8 MiniLM, measured with ONNX Runtime's own dynamic quantizer.

Quantizes the FP32 model with onnxruntime.quantization.quantize_dynamic (MatMuls, per-channel int8
weights) in variants, and prints for each the mean and minimum cosine of mean-pooled sentence
embeddings to FP32 and the mean per-token cosine over real tokens, on examples/minilm/eval:
  all            every weighted MatMul
  no_ffn_out     the six FFN output projections (input = GELU output) left in FP32
  sq_ffn_<a>     SmoothQuant (per-input-channel scale s = amax_x^a / amax_w^(1-a), an explicit Mul
                 before the MatMul, statistics on examples/minilm/data) on the FFN output projections
  sq_all_<a>     SmoothQuant on every weighted MatMul

    python tools/minilm/peer_experiments.py FP32_MODEL WORK_DIR
"""
import os
import sys

import numpy as np
import onnx
import onnxruntime as ort
from onnx import helper, numpy_helper
from onnxruntime.quantization import QuantType, quantize_dynamic

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def load(folder):
    d = os.path.join(REPO, "examples", "minilm", folder)
    return {k: np.load(os.path.join(d, k + ".npy")) for k in ("input_ids", "attention_mask", "token_type_ids")}


def run(model, data, outputs=None):
    so = ort.SessionOptions()
    so.intra_op_num_threads = 2
    s = ort.InferenceSession(model if isinstance(model, str) else model.SerializeToString(), so,
                             providers=["CPUExecutionProvider"])
    names = outputs or [s.get_outputs()[0].name]
    res = [s.run(names, {k: v[i:i + 50] for k, v in data.items()}) for i in range(0, len(data["input_ids"]), 50)]
    return [np.concatenate([r[j] for r in res]) for j in range(len(names))]


def scores(h, ref, mask):
    m = mask[..., None].astype(np.float32)
    pool = lambda x: (x * m).sum(1) / np.linalg.norm((x * m).sum(1), axis=1, keepdims=True)
    sent = (pool(h) * pool(ref)).sum(1)
    tok = (h * ref).sum(2) / np.linalg.norm(h, axis=2) / np.linalg.norm(ref, axis=2)
    return sent.mean(), sent.min(), (tok * mask).sum() / mask.sum()


def smooth(fp32, calib, alpha, ffn_only, out):
    m = onnx.load(fp32)
    inits = {t.name: t for t in m.graph.initializer}
    targets = [n for n in m.graph.node if n.op_type == "MatMul" and n.input[1] in inits
               and (not ffn_only or (n.name.endswith("/output/dense/MatMul") and "attention" not in n.name))]
    xs = sorted({n.input[0] for n in targets})
    probe = onnx.load(fp32)
    for x in xs:
        probe.graph.output.append(helper.make_tensor_value_info(x, onnx.TensorProto.FLOAT, None))
    values = run(probe, calib, xs)
    real = calib["attention_mask"].astype(bool)
    amax = {x: np.abs(v[real]).max(0) for x, v in zip(xs, values)}
    for n in targets:
        w = numpy_helper.to_array(inits[n.input[1]])
        s = np.clip(np.clip(amax[n.input[0]], 1e-5, None) ** alpha / np.clip(np.abs(w).max(1), 1e-5, None) ** (1 - alpha),
                    1e-5, None)
        inits[n.input[1]].CopyFrom(numpy_helper.from_array((w * s[:, None]).astype(np.float32), n.input[1]))
        m.graph.initializer.append(numpy_helper.from_array((1 / s).astype(np.float32), n.name + "_smooth"))
        mul = helper.make_node("Mul", [n.input[0], n.name + "_smooth"], [n.name + "_smoothed"])
        m.graph.node.insert(list(m.graph.node).index(n), mul)
        n.input[0] = n.name + "_smoothed"
    onnx.save(m, out)


def main():
    fp32, work = sys.argv[1], sys.argv[2]
    os.makedirs(work, exist_ok=True)
    calib, ev = load("data"), load("eval")
    ref = run(fp32, ev)[0]
    m = onnx.load(fp32)
    inits = {t.name for t in m.graph.initializer}
    ffn_out = [n.name for n in m.graph.node if n.op_type == "MatMul" and n.input[1] in inits
               and n.name.endswith("/output/dense/MatMul") and "attention" not in n.name]
    variants = {"all": (fp32, []), "no_ffn_out": (fp32, ffn_out)}
    for alpha in (0.5, 0.8):
        for ffn_only in (True, False):
            name = f"sq_{'ffn' if ffn_only else 'all'}_{alpha}"
            src = os.path.join(work, name + "-fp32.onnx")
            smooth(fp32, calib, alpha, ffn_only, src)
            variants[name] = (src, [])
    for name, (src, exclude) in variants.items():
        out = os.path.join(work, name + "-int8.onnx")
        quantize_dynamic(src, out, op_types_to_quantize=["MatMul"], per_channel=True, weight_type=QuantType.QInt8,
                         nodes_to_exclude=exclude)
        mean, low, tok = scores(run(out, ev)[0], ref, ev["attention_mask"])
        print(f"{name:14s} sentence cosine mean {mean:.5f} min {low:.5f}  per-token (real tokens) {tok:.5f}")


if __name__ == "__main__":
    main()
