"""Micro-benchmark models: one residual block in QDQ form with different activation storage.

Writes into --out (a folder outside the repository) the same block,
  x (signed) -> Conv 3x3 -> Relu -> Conv 3x3 -> Add(x) -> Relu -> y,   64 channels, 56 x 56,
with identical scales and weights, differing only in how the signed tensors (x, the second conv's
output) are stored:
  fp32.onnx       no Q/DQ
  u8_zp128.onnx   uint8, zero point 128 (pot4j's storage of a signed symmetric quantizer)
  s8_zp0.onnx     int8, zero point 0 (NNCF's storage of the same quantizer)
  u8_asym.onnx    uint8 with a data-dependent zero point (ORT quantize_static's choice)
  s8_zp0_per_port.onnx  as s8_zp0, but one QuantizeLinear per consumer of x (NNCF's layout), so
                  ORT's int8->uint8 rewrite (which needs a Q feeding a single DQ) applies
Time them with backend-onnx's OnnxLatencyBenchmark (--islands shows what ORT fused). ReLU outputs
are uint8 with zero point 0 in every variant.
"""
import argparse
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

C, S = 64, 56


def build(kind):
    rng = np.random.default_rng(0)
    w1 = (rng.standard_normal((C, C, 3, 3)) * np.sqrt(2 / (9 * C))).astype(np.float32)
    w2 = (rng.standard_normal((C, C, 3, 3)) * np.sqrt(2 / (9 * C))).astype(np.float32)
    b1 = (rng.standard_normal(C) * 0.1).astype(np.float32)
    b2 = (rng.standard_normal(C) * 0.1).astype(np.float32)
    nodes, inits = [], []
    x_scale, r_scale, c_scale, y_scale = 4.0 / 127, 3.0 / 255, 5.0 / 127, 6.0 / 255

    def init(name, arr):
        inits.append(numpy_helper.from_array(arr, name))
        return name

    def signed_params(name, scale, lo_hi=(-4.0, 3.0)):
        if kind == "u8_zp128":
            return init(name + "_s", np.float32(scale)), init(name + "_z", np.uint8(128))
        if kind.startswith("s8_zp0"):
            return init(name + "_s", np.float32(scale)), init(name + "_z", np.int8(0))
        lo, hi = lo_hi
        s = (hi - lo) / 255
        return init(name + "_s", np.float32(s)), init(name + "_z", np.uint8(round(-lo / s)))

    def qdq(t, s, z, suffix=""):
        nodes.append(helper.make_node("QuantizeLinear", [t, s, z], [t + suffix + "_q"]))
        nodes.append(helper.make_node("DequantizeLinear", [t + suffix + "_q", s, z], [t + suffix + "_dq"]))
        return t + suffix + "_dq"

    def weight(name, w, in_scale):
        ws = (np.abs(w).reshape(C, -1).max(1) / 127).astype(np.float32)
        wq = np.clip(np.round(w / ws[:, None, None, None]), -127, 127).astype(np.int8)
        nodes.append(helper.make_node("DequantizeLinear", [init(name + "_q", wq), init(name + "_s", ws)],
                                      [name + "_dq"], axis=0))
        return name + "_dq"

    def bias(name, b, in_scale, w):
        ws = (np.abs(w).reshape(C, -1).max(1) / 127).astype(np.float32)
        bs = (ws * in_scale).astype(np.float32)
        bq = np.round(b / bs).astype(np.int32)
        nodes.append(helper.make_node("DequantizeLinear", [init(name + "_q", bq), init(name + "_s", bs)],
                                      [name + "_dq"], axis=0))
        return name + "_dq"

    if kind == "fp32":
        nodes += [helper.make_node("Conv", ["x", init("w1", w1), init("b1", b1)], ["c1"], pads=[1] * 4),
                  helper.make_node("Relu", ["c1"], ["r1"]),
                  helper.make_node("Conv", ["r1", init("w2", w2), init("b2", b2)], ["c2"], pads=[1] * 4),
                  helper.make_node("Add", ["c2", "x"], ["a"]),
                  helper.make_node("Relu", ["a"], ["y"])]
    else:
        xs, xz = signed_params("x", x_scale)
        u8 = lambda n, s: (init(n + "_s", np.float32(s)), init(n + "_z", np.uint8(0)))  # noqa: E731
        x = qdq("x", xs, xz)
        x_scale = float(numpy_helper.to_array(next(i for i in inits if i.name == xs)))
        rs, rz = u8("r1", r_scale)
        nodes.append(helper.make_node("Conv", [x, weight("w1", w1, x_scale), bias("b1", b1, x_scale, w1)], ["c1"],
                                      pads=[1] * 4))
        nodes.append(helper.make_node("Relu", ["c1"], ["r1"]))
        r1 = qdq("r1", rs, rz)
        cs, cz = signed_params("c2", c_scale, (-5.0, 4.0))
        nodes.append(helper.make_node("Conv", [r1, weight("w2", w2, r_scale), bias("b2", b2, r_scale, w2)], ["c2"],
                                      pads=[1] * 4))
        c2 = qdq("c2", cs, cz)
        ys, yz = u8("y", y_scale)
        x_add = qdq("x", xs, xz, "_add") if kind == "s8_zp0_per_port" else x
        nodes.append(helper.make_node("Add", [c2, x_add], ["a"]))
        nodes.append(helper.make_node("Relu", ["a"], ["y0"]))
        nodes.append(helper.make_node("QuantizeLinear", ["y0", ys, yz], ["y_q"]))
        nodes.append(helper.make_node("DequantizeLinear", ["y_q", ys, yz], ["y"]))
    g = helper.make_graph(nodes, "block", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", C, S, S])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", C, S, S])], inits)
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)])
    m.ir_version = 8
    onnx.checker.check_model(m)
    return m


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", required=True, type=Path)
    a = p.parse_args()
    a.out.mkdir(parents=True, exist_ok=True)
    for kind in ("fp32", "u8_zp128", "s8_zp0", "s8_zp0_per_port", "u8_asym"):
        onnx.save(build(kind), a.out / f"{kind}.onnx")
        print("wrote", a.out / f"{kind}.onnx")


if __name__ == "__main__":
    main()
