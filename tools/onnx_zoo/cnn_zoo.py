"""CNN zoo for ONNX INT8 speed comparisons: torchvision nets and a small YOLO-like head, peer quantizers.

Speed only, never accuracy: the weights are random (torchvision's initialisation) and BatchNorm
statistics come from random images, which gives every layer realistic, non-degenerate activation
ranges. Everything goes into --out (a folder outside the repository):

  export    torchvision ResNet-18, ResNet-50, MobileNetV2, MobileNetV3-Large, EfficientNet-B0,
            ShuffleNetV2 x1.0 and a YOLO-like net (SiLU convs, C2f-style Split/Concat, SPPF MaxPools,
            Resize + Concat feature pyramid, per-scale heads) at 224 px, opset 17, dynamic batch;
            64 random calibration images as calib/input.npy; one pot4j config per net.
  peers     ORT's quantize_static (QDQ, per-channel int8 weights, uint8 activations, MinMax) and,
            when installed, NNCF's quantize (default preset) on the same images.
  islands   for every INT8 file in --out: the float ops ONNX Runtime leaves between a
            DequantizeLinear and a QuantizeLinear after its optimizer (ORT from this environment).
  time      per net, FP32 and every INT8 variant (pot4j's out/*/*-int8.onnx, -ort, -nncf) in one ORT
            process (this environment's), 2 threads, batch 1 and 8, all variants interleaved (random
            order every round); speed-up = median of the per-round FP32/INT8 ratios; prints the CPU,
            the load average, and a markdown table.

Then quantize with pot4j (`pot4j quantize <out>/<net>/config.json`) and time all variants in one
process with `pot4j benchmark FP32 POT4J --also ort=... --also nncf=...` (the Java ORT pot4j ships) and
with `time` here.
"""
import argparse
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

import numpy as np
import torch
import torch.nn as nn
import torchvision

SIDE = 224
CALIB = 64


class ConvBnSiLU(nn.Sequential):
    def __init__(self, cin, cout, k=3, s=1):
        super().__init__(nn.Conv2d(cin, cout, k, s, k // 2, bias=False), nn.BatchNorm2d(cout), nn.SiLU())


class C2f(nn.Module):
    """YOLOv8's cross-stage block: conv, Split in two, bottlenecks on one half, Concat of all parts."""

    def __init__(self, c, n=1):
        super().__init__()
        self.cv1 = ConvBnSiLU(c, c, 1)
        self.m = nn.ModuleList(nn.Sequential(ConvBnSiLU(c // 2, c // 2), ConvBnSiLU(c // 2, c // 2)) for _ in range(n))
        self.cv2 = ConvBnSiLU((2 + n) * c // 2, c, 1)

    def forward(self, x):
        y = list(self.cv1(x).split(x.shape[1] // 2, dim=1))
        for m in self.m:
            y.append(y[-1] + m(y[-1]))
        return self.cv2(torch.cat(y, 1))


class Sppf(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.cv1 = ConvBnSiLU(c, c // 2, 1)
        self.pool = nn.MaxPool2d(5, 1, 2)
        self.cv2 = ConvBnSiLU(c * 2, c, 1)

    def forward(self, x):
        x = self.cv1(x)
        y1 = self.pool(x)
        y2 = self.pool(y1)
        return self.cv2(torch.cat([x, y1, y2, self.pool(y2)], 1))


class TinyYolo(nn.Module):
    """Backbone to stride 32, SPPF, a two-level feature pyramid (Resize + Concat), three heads."""

    def __init__(self, classes=20):
        super().__init__()
        self.stem = nn.Sequential(ConvBnSiLU(3, 16, 3, 2), ConvBnSiLU(16, 32, 3, 2), C2f(32))
        self.p3 = nn.Sequential(ConvBnSiLU(32, 64, 3, 2), C2f(64, 2))
        self.p4 = nn.Sequential(ConvBnSiLU(64, 128, 3, 2), C2f(128, 2))
        self.p5 = nn.Sequential(ConvBnSiLU(128, 256, 3, 2), C2f(256), Sppf(256))
        self.up = nn.Upsample(scale_factor=2, mode="nearest")
        self.n4 = C2f(384 // 2 * 2)
        self.r4 = ConvBnSiLU(384, 128, 1)
        self.n3 = ConvBnSiLU(192, 64, 1)
        self.heads = nn.ModuleList(nn.Sequential(ConvBnSiLU(c, c), nn.Conv2d(c, 4 + classes, 1)) for c in (64, 128, 256))

    def forward(self, x):
        x = self.stem(x)
        p3 = self.p3(x)
        p4 = self.p4(p3)
        p5 = self.p5(p4)
        f4 = self.r4(self.n4(torch.cat([self.up(p5)[:, :256], p4], 1)))
        f3 = self.n3(torch.cat([self.up(f4), p3], 1))
        outs = [h(f).flatten(2) for h, f in zip(self.heads, (f3, f4, p5))]
        return torch.cat(outs, 2)


def nets():
    tv = torchvision.models
    return {
        "resnet18": lambda: tv.resnet18(),
        "resnet50": lambda: tv.resnet50(),
        "mobilenet_v2": lambda: tv.mobilenet_v2(),
        "mobilenet_v3": lambda: tv.mobilenet_v3_large(),
        "efficientnet_b0": lambda: tv.efficientnet_b0(),
        "shufflenet_v2": lambda: tv.shufflenet_v2_x1_0(),
        "tiny_yolo": lambda: TinyYolo(),
        # MobileNetV2 at half width, for --side 28: depthwise convs on 1-4 px maps, the case where a
        # batch-1 INT8 model can be slower than FP32 (what pot4j's speed_guard is for)
        "mobilenet_v2_small": lambda: tv.mobilenet_v2(width_mult=0.5),
    }


def random_images(n, seed):
    g = torch.Generator().manual_seed(seed)
    x = torch.rand(n, 3, SIDE, SIDE, generator=g)
    mean = torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1)
    std = torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1)
    return (x - mean) / std


def calibrate_batchnorm(model):
    """Cumulative BatchNorm statistics over 32 random images, so activations have sane ranges."""
    for m in model.modules():
        if isinstance(m, nn.modules.batchnorm._BatchNorm):
            m.reset_running_stats()
            m.momentum = None
    model.train()
    with torch.no_grad():
        for i in range(4):
            model(random_images(8, 100 + i))
    model.eval()


def atomic_write(path, write):
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name + ".")
    os.close(fd)
    try:
        write(tmp)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def export(out, which):
    torch.manual_seed(0)
    calib = random_images(CALIB, 1).numpy().astype(np.float32)
    for name, make in nets().items():
        if which and name not in which:
            continue
        d = out / name
        d.mkdir(parents=True, exist_ok=True)
        model = make()
        calibrate_batchnorm(model)
        x = torch.from_numpy(calib[:1])
        atomic_write(d / f"{name}.onnx", lambda p: torch.onnx.export(
            model, x, p, input_names=["input"], output_names=["output"], opset_version=17,
            dynamic_axes={"input": {0: "N"}, "output": {0: "N"}}, dynamo=False))
        (d / "calib").mkdir(exist_ok=True)
        atomic_write(d / "calib" / "input.npy", lambda p: np.save(open(p, "wb"), calib))
        config = {
            "model": {"model_name": f"{name}-pot4j", "model": f"{name}.onnx"},
            "engine": {"calibration_dataset": {"type": "npy", "path": "calib", "inputs": ["input"]}},
            "compression": {"target_device": "CPU", "algorithms": [
                {"name": "DefaultQuantization", "params": {"preset": "performance", "stat_subset_size": CALIB}}]},
        }
        atomic_write(d / "config.json", lambda p: Path(p).write_text(json.dumps(config, indent=2)))
        print(f"{name}: exported", flush=True)


class Reader:
    def __init__(self, calib):
        self.it = iter([{"input": calib[i:i + 1]} for i in range(len(calib))])

    def get_next(self):
        return next(self.it, None)

    def rewind(self):
        pass


def peers(out, which):
    from onnxruntime.quantization import QuantFormat, QuantType, quantize_static

    try:
        import nncf
        import onnx
    except ImportError:
        nncf = None
        print("nncf not installed: NNCF column skipped", flush=True)
    for name in nets():
        if which and name not in which:
            continue
        d = out / name
        fp32 = d / f"{name}.onnx"
        calib = np.load(d / "calib" / "input.npy")
        atomic_write(d / f"{name}-ort.onnx", lambda p: quantize_static(
            str(fp32), p, Reader(calib), quant_format=QuantFormat.QDQ, per_channel=True,
            activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8))
        print(f"{name}: ORT quantize_static done", flush=True)
        if nncf is not None:
            data = nncf.Dataset([{"input": calib[i:i + 1]} for i in range(len(calib))])
            q = nncf.quantize(onnx.load(str(fp32)), data, subset_size=len(calib))
            atomic_write(d / f"{name}-nncf.onnx", lambda p: onnx.save(q, p))
            print(f"{name}: NNCF done", flush=True)


def islands(out):
    """Float ops between DQ and Q in ORT's optimized graph of every INT8 file (ORT of this venv)."""
    import onnx
    import onnxruntime as ort

    for f in sorted(out.glob("*/*.onnx")):
        if not any(s in f.name for s in ("-ort", "-nncf", "-int8", "-pot4j")):
            continue
        so = ort.SessionOptions()
        so.intra_op_num_threads = 2
        with tempfile.TemporaryDirectory() as t:
            so.optimized_model_filepath = str(Path(t) / "opt.onnx")
            ort.InferenceSession(str(f), so, providers=["CPUExecutionProvider"])
            g = onnx.load(so.optimized_model_filepath).graph
        prod = {o: n for n in g.node for o in n.output}
        cons = {}
        for n in g.node:
            for i in n.input:
                cons.setdefault(i, []).append(n)
        found = {}
        for n in g.node:
            if n.op_type in ("QuantizeLinear", "DequantizeLinear"):
                continue
            from_dq = any(prod.get(i) is not None and prod[i].op_type == "DequantizeLinear" for i in n.input)
            into_q = any(c.op_type == "QuantizeLinear" for o in n.output for c in cons.get(o, []))
            if from_dq and into_q:
                found[n.op_type] = found.get(n.op_type, 0) + 1
        ops = {}
        for n in g.node:
            ops[n.op_type] = ops.get(n.op_type, 0) + 1
        print(f"{f.parent.name}/{f.name}: Q={ops.get('QuantizeLinear', 0)} DQ={ops.get('DequantizeLinear', 0)} "
              f"islands={found}")


def cpu_name():
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                flags = next((l for l in open("/proc/cpuinfo") if l.startswith("flags")), "")
                f = [x for x in ("avx2", "avx512_vnni", "avx_vnni", "amx_int8") if f" {x}" in flags]
                return line.split(":", 1)[1].strip() + " (" + ", ".join(f) + ")"
    except OSError:
        pass
    import platform
    return platform.processor() or platform.machine()


def time_variants(out, which, batches=(1, 8), rounds=31, threads=2):
    """All variants of a net in one process, interleaved rounds (a fresh random order every round).

    Speed-up of a variant = median over rounds of (FP32 time / variant time) in the same round: on a
    shared machine the load changes within seconds, and two runs next to each other see nearly the
    same load, where medians taken separately do not. The ratio of fastest rounds is printed too.
    """
    import time

    import onnxruntime as ort

    results = {}
    print(f"CPU: {cpu_name()}; ORT {ort.__version__}, {threads} threads; load average {os.getloadavg()}", flush=True)
    print("| net | variant | b" + " | b".join(str(b) for b in batches) + " | (fastest-round ratio) |", flush=True)
    for name in nets():
        if which and name not in which:
            continue
        d = out / name
        files = {"fp32": d / f"{name}.onnx"}
        files.update({"pot4j": f for f in sorted(d.glob("out/*/*-int8.onnx"))})
        files.update({k: d / f"{name}-{k}.onnx" for k in ("ort", "nncf") if (d / f"{name}-{k}.onnx").exists()})
        if not files["fp32"].exists():
            continue
        so = ort.SessionOptions()
        so.intra_op_num_threads = threads
        so.log_severity_level = 3
        sessions = {k: ort.InferenceSession(str(f), so, providers=["CPUExecutionProvider"]) for k, f in files.items()}
        calib = np.load(d / "calib" / "input.npy")
        labels = list(sessions)
        results[name] = {k: {} for k in labels}
        for b in batches:
            x = {"input": np.ascontiguousarray(np.resize(calib, (b,) + calib.shape[1:]))}
            for s in sessions.values():
                for _ in range(2):
                    s.run(None, x)
            times = {k: [] for k in labels}
            rng = np.random.default_rng(b)
            last = None
            for r in range(rounds):
                # a fresh order every round, never starting with the variant that just ran: a fixed
                # A B C D / D C B A order gives the end variants warm back-to-back runs
                order = list(labels)
                while True:
                    rng.shuffle(order)
                    if order[0] != last:
                        break
                last = order[-1]
                for k in order:
                    t = time.perf_counter()
                    sessions[k].run(None, x)
                    times[k].append((time.perf_counter() - t) * 1000)
            for k in labels:
                paired = np.median(np.array(times["fp32"]) / np.array(times[k]))
                results[name][k][b] = (float(paired), min(times["fp32"]) / min(times[k]), float(np.median(times[k])))
        for k in labels:
            if k == "fp32":
                continue
            cells = " | ".join(f"{results[name][k][b][0]:.2f}" for b in batches)
            mins = " / ".join(f"{results[name][k][b][1]:.2f}" for b in batches)
            print(f"| {name} | {k} | {cells} | ({mins}) |", flush=True)
        print(f"  FP32 median ms: " + " / ".join(f"{results[name]['fp32'][b][2]:.1f}" for b in batches)
              + f"; load average {os.getloadavg()}", flush=True)
    return results


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("command", choices=["export", "peers", "islands", "time"])
    p.add_argument("--out", required=True, type=Path, help="work folder, outside the repository")
    p.add_argument("--nets", default="", help="comma-separated subset of " + ",".join(nets()))
    p.add_argument("--side", type=int, default=SIDE, help="export: image side in pixels (default 224)")
    a = p.parse_args()
    globals()["SIDE"] = a.side
    which = [s for s in a.nets.split(",") if s]
    torch.set_num_threads(2)
    a.out.mkdir(parents=True, exist_ok=True)
    {"export": lambda: export(a.out, which), "peers": lambda: peers(a.out, which),
     "islands": lambda: islands(a.out), "time": lambda: time_variants(a.out, which)}[a.command]()


if __name__ == "__main__":
    sys.exit(main())
