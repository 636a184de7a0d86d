"""Graph layouts for MiniLM's outlier channels (issue 11): accuracy and speed of each, with ORT's own
dynamic quantizer (per-channel int8 weights) doing the integer part, so only the layout differs.

Outlier channels as pot4j picks them (calibration absolute maximum over real tokens of examples/minilm/data
above RATIO x the median channel's, at most 8 per input). Layouts, per kind of MatMul input:
  split    mask Mul + Gather + float MatMul over the weight rows + Add (pot4j's writer before issue 11's fix)
  cols     GELU outputs only: the outlier channels are never made by the integer path: the intermediate
           MatMul's weight columns and bias at those channels are zeroed (GELU(0) = 0, so no mask) and a
           float MatMul + bias + GELU over those columns makes the k channels, which a float MatMul over the
           output projection's rows adds back
  scale    the outlier channels divided by s (Mul), the weight rows multiplied by s, s = channel max / the
           largest non-outlier channel max (SmoothQuant restricted to the outlier channels)
Variant names: <LN-output layout>_<GELU-output layout>, "none" = quantized as is.

    python tools/minilm/outlier_layouts.py FP32_MODEL WORK_DIR [VARIANT ...]
"""
import os
import statistics
import sys
import time

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper
from onnxruntime.quantization import QuantType, quantize_dynamic

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import peer_experiments as pe  # noqa: E402
import outlier_experiments as oe  # noqa: E402

RATIO = float(os.environ.get("RATIO", 6))
MAX_CHANNELS = 8


def outliers(a):
    return sorted(int(c) for c in np.argsort(-a)[:MAX_CHANNELS] if a[c] > RATIO * np.median(a))


class Editor:
    def __init__(self, fp32):
        self.m = onnx.load(fp32)
        self.inits = {t.name: t for t in self.m.graph.initializer}
        self.float_nodes = []

    def w(self, name):
        return numpy_helper.to_array(self.inits[name]).copy()

    def set_w(self, name, value):
        self.inits[name].CopyFrom(numpy_helper.from_array(value.astype(np.float32), name))

    def add_init(self, name, value):
        self.m.graph.initializer.append(numpy_helper.from_array(value, name))

    def insert_before(self, node, new):
        i = list(self.m.graph.node).index(node)
        for j, n in enumerate(new):
            self.m.graph.node.insert(i + j, n)

    def insert_after(self, node, new):
        i = list(self.m.graph.node).index(node) + 1
        for j, n in enumerate(new):
            self.m.graph.node.insert(i + j, n)

    def split(self, n, idx):
        x, p = n.input[0], n.name
        w = self.w(n.input[1])
        keep = np.ones(w.shape[0], np.float32)
        keep[idx] = 0
        self.add_init(p + "_keep", keep)
        self.add_init(p + "_oidx", np.asarray(idx, np.int64))
        self.add_init(p + "_ow16", w[idx, :].astype(np.float16))
        y = n.output[0]
        n.input[0], n.output[0] = p + "_xin", p + "_ym"
        self.insert_before(n, [helper.make_node("Mul", [x, p + "_keep"], [p + "_xin"]),
                               helper.make_node("Gather", [x, p + "_oidx"], [p + "_xo"], axis=-1),
                               helper.make_node("Cast", [p + "_ow16"], [p + "_ow"], to=TensorProto.FLOAT),
                               helper.make_node("MatMul", [p + "_xo", p + "_ow"], [p + "_yo"], name=p + "_side")])
        self.insert_after(n, [helper.make_node("Add", [p + "_ym", p + "_yo"], [y])])
        self.float_nodes.append(p + "_side")

    def scale(self, n, idx, a):
        x, p = n.input[0], n.name
        rest = np.delete(a, idx).max()
        s = np.ones(len(a), np.float32)
        s[idx] = a[idx] / rest
        self.set_w(n.input[1], self.w(n.input[1]) * s[:, None])
        self.add_init(p + "_inv_s", (1 / s).astype(np.float32))
        self.insert_before(n, [helper.make_node("Mul", [x, p + "_inv_s"], [p + "_xs"])])
        n.input[0] = p + "_xs"

    def cols(self, out_mm, idx, producer_mm, bias_add):
        """out_mm reads GELU(bias_add(producer_mm)); move channels idx out of the integer path."""
        p = out_mm.name
        w1 = self.w(producer_mm.input[1])
        bname = [i for i in bias_add.input if i in self.inits][0]
        b1 = self.w(bname)
        w1c, b1c = w1[:, idx].copy(), b1[idx].copy()
        w1[:, idx] = 0
        b1[idx] = 0
        self.set_w(producer_mm.input[1], w1)
        self.set_w(bname, b1)
        w2 = self.w(out_mm.input[1])
        self.add_init(p + "_w1c16", w1c.astype(np.float16))
        self.add_init(p + "_b1c", b1c.astype(np.float32))
        self.add_init(p + "_w2r16", w2[idx, :].astype(np.float16))
        self.add_init(p + "_sqrt2", np.asarray(np.sqrt(2), np.float32))
        self.add_init(p + "_one", np.asarray(1, np.float32))
        self.add_init(p + "_half", np.asarray(0.5, np.float32))
        x = producer_mm.input[0]
        y = out_mm.output[0]
        out_mm.output[0] = p + "_ym"
        side = [helper.make_node("Cast", [p + "_w1c16"], [p + "_w1c"], to=TensorProto.FLOAT),
                helper.make_node("MatMul", [x, p + "_w1c"], [p + "_h0"], name=p + "_side1"),
                helper.make_node("Add", [p + "_h0", p + "_b1c"], [p + "_h1"]),
                helper.make_node("Div", [p + "_h1", p + "_sqrt2"], [p + "_h2"]),
                helper.make_node("Erf", [p + "_h2"], [p + "_h3"]),
                helper.make_node("Add", [p + "_h3", p + "_one"], [p + "_h4"]),
                helper.make_node("Mul", [p + "_h1", p + "_h4"], [p + "_h5"]),
                helper.make_node("Mul", [p + "_h5", p + "_half"], [p + "_g"]),
                helper.make_node("Cast", [p + "_w2r16"], [p + "_w2r"], to=TensorProto.FLOAT),
                helper.make_node("MatMul", [p + "_g", p + "_w2r"], [p + "_yo"], name=p + "_side2")]
        self.insert_before(out_mm, side)
        self.insert_after(out_mm, [helper.make_node("Add", [p + "_ym", p + "_yo"], [y])])
        self.float_nodes += [p + "_side1", p + "_side2"]


def build(fp32, amax, variant, out, only=None):
    ln_mode, gelu_mode = variant.split("_")
    e = Editor(fp32)
    nodes = list(e.m.graph.node)
    producer = {o: n for n in nodes for o in n.output}
    for n in [n for n in nodes if n.op_type == "MatMul" and n.input[1] in e.inits]:
        x = n.input[0]
        idx = outliers(amax[x])
        if not idx or (only is not None and x not in only):
            continue
        gelu = "intermediate_act_fn" in x
        mode = gelu_mode if gelu else ln_mode
        if mode == "split":
            e.split(n, idx)
        elif mode == "scale":
            e.scale(n, idx, amax[x])
        elif mode == "cols":
            layer = x.split("/intermediate/")[0]
            mm = producer[layer + "/intermediate/dense/MatMul_output_0"]
            add = producer[layer + "/intermediate/dense/Add_output_0"]
            e.cols(n, idx, mm, add)
    src = out.replace("-int8.onnx", "-fp32.onnx")
    onnx.save(e.m, src)
    quantize_dynamic(src, out, op_types_to_quantize=["MatMul"], per_channel=True, weight_type=QuantType.QInt8,
                     nodes_to_exclude=e.float_nodes)
    return out


def speed(paths, batches=(1, 32), rounds=21):
    res = {}
    so = ort.SessionOptions()
    so.intra_op_num_threads = 2
    sess = {k: ort.InferenceSession(p, so, providers=["CPUExecutionProvider"]) for k, p in paths.items()}
    rng = np.random.default_rng(0)
    for b in batches:
        f = {"input_ids": rng.integers(1000, 20000, (b, 64)).astype(np.int64),
             "attention_mask": np.ones((b, 64), np.int64), "token_type_ids": np.zeros((b, 64), np.int64)}
        t = {k: [] for k in sess}
        for s in sess.values():
            s.run(None, f)
        for r in range(rounds):
            for k, s in (list(sess.items()) if r % 2 == 0 else list(sess.items())[::-1]):
                t0 = time.perf_counter()
                s.run(None, f)
                t[k].append(time.perf_counter() - t0)
        res[b] = {k: statistics.median(v) * 1000 for k, v in t.items()}
    return res


def main():
    fp32, work = sys.argv[1], sys.argv[2]
    variants = sys.argv[3:] or ["none_none", "split_split", "split_none", "none_split", "none_cols", "split_cols",
                                "scale_cols", "scale_none", "scale_scale"]
    os.makedirs(work, exist_ok=True)
    calib, ev = pe.load("data"), pe.load("eval")
    ref = pe.run(fp32, ev)[0]
    model = onnx.load(fp32, load_external_data=False)
    inits = {t.name for t in model.graph.initializer}
    xs = sorted({n.input[0] for n in model.graph.node if n.op_type == "MatMul" and n.input[1] in inits})
    amax = oe.channel_maxima(fp32, calib, xs)
    paths = {"fp32": fp32}
    for v in variants:
        paths[v] = build(fp32, amax, v, os.path.join(work, v + "-int8.onnx"))
        mean, low, tok = pe.scores(pe.run(paths[v], ev)[0], ref, ev["attention_mask"])
        print(f"{v:12s} sentence cosine mean {mean:.5f} min {low:.5f}  per-token {tok:.5f}  "
              f"{os.path.getsize(paths[v]) / 1e6:.2f} MB", flush=True)
    if os.environ.get("NO_SPEED"):
        return
    sp = speed(paths)
    for b, t in sp.items():
        print(f"b{b} INT8/FP32: " + ", ".join(f"{k} {t['fp32'] / v:.2f}x" for k, v in t.items() if k != "fp32")
              + f"  (fp32 {t['fp32']:.1f} ms, load {os.getloadavg()[0]:.1f})")


if __name__ == "__main__":
    main()
