"""PyTorch's own INT8 (torch.ao.quantization, eager mode) of the nets pot4j benchmarks, timed
against FP32 in one Python run: the reference ratio pot4j's TorchScript INT8 must reach.

Never run by the build or the tests. Usage, from the repository root:

  python tools/djl/torch_ao_reference.py [--threads 2] [--batch 1,32] [--repeats 40]
      [--nets mnist-resnet,mnist-lenet,resnet18] [--export DIR] [--pot4j NET=INT8.pt ...]

* mnist-resnet / mnist-lenet: the committed examples/mnist-*/*.pt (BatchNorm already folded),
  rebuilt as eager modules with QuantStub/DeQuantStub, ReLU fused into the convs and
  FloatFunctional.add_relu for the residual adds; calibrated on the 300 committed calibration
  images; top-1 on the 2000 committed test images printed for FP32 and INT8.
* resnet18: torchvision ResNet-18 at 224x224 with random (seeded) weights, BatchNorm folded into
  the convolutions (speed needs no training); torchvision's quantizable twin, calibrated on 32
  random images.
* --export DIR writes what pot4j needs for the ImageNet-size measurement: DIR/resnet18.pt (traced
  FP32, BatchNorm folded), DIR/resnet18.pt.json (input shape), DIR/calib/input.npy (32 random
  images) and DIR/resnet18.json (a pot4j DefaultQuantization config).
* --pot4j NET=INT8.pt adds pot4j's INT8 TorchScript of that net (e.g. mnist-resnet=out/resnet-int8.pt;
  for resnet18 the one quantized from the --export files) to the same timing rounds, so torch.ao's
  ratio and pot4j's are measured back to back against the same FP32 timings.

FP32 is the traced float model (the committed .pt for MNIST); torch.ao INT8 is torch.jit.trace of
the converted model. Each batch size: warm-up, then rounds in which every model runs once, the
order rotating every round; medians (and minimums, which a busy machine disturbs least). The
quantized engine is x86 (fbgemm + oneDNN), the one libtorch picks by default and pot4j's saved
files are validated with.
"""
import argparse
import os
import platform
import struct
import time

import numpy as np
import torch
import torch.ao.quantization as tq
import torch.nn as nn
import torch.nn.functional as F

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MNIST = os.path.join(REPO, "examples", "data", "mnist")


def read_idx(name):
    with open(os.path.join(MNIST, name), "rb") as f:
        data = f.read()
    magic, n = struct.unpack(">II", data[:8])
    if magic == 2051:
        rows, cols = struct.unpack(">II", data[8:16])
        x = np.frombuffer(data, np.uint8, offset=16).reshape(n, 1, rows, cols)
        return torch.from_numpy(x.astype(np.float32) / 255.0)
    return torch.from_numpy(np.frombuffer(data, np.uint8, offset=8).astype(np.int64))


class QBlock(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.a = nn.Conv2d(cin, cout, 3, stride, 1)
        self.relu_a = nn.ReLU()
        self.b = nn.Conv2d(cout, cout, 3, 1, 1)
        self.shortcut = nn.Conv2d(cin, cout, 1, stride, 0) if (stride != 1 or cin != cout) else None
        self.skip = torch.ao.nn.quantized.FloatFunctional()

    def forward(self, x):
        y = self.b(self.relu_a(self.a(x)))
        s = x if self.shortcut is None else self.shortcut(x)
        return self.skip.add_relu(y, s)


class QResNet(nn.Module):
    """tools/train_cnns.py's ResNet with BatchNorm folded, in torch.ao's eager-mode form."""

    def __init__(self):
        super().__init__()
        self.quant = tq.QuantStub()
        self.stem = nn.Conv2d(1, 32, 3, 1, 1)
        self.relu = nn.ReLU()
        self.block1 = QBlock(32, 32, 1)
        self.block2 = QBlock(32, 64, 2)
        self.block3 = QBlock(64, 128, 2)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(128, 10)
        self.dequant = tq.DeQuantStub()

    def forward(self, x):
        x = self.relu(self.stem(self.quant(x)))
        x = self.pool(self.block3(self.block2(self.block1(x))))
        return self.dequant(self.fc(torch.flatten(x, 1)))

    def fuse(self):
        tq.fuse_modules(self, [["stem", "relu"]], inplace=True)
        for b in (self.block1, self.block2, self.block3):
            tq.fuse_modules(b, [["a", "relu_a"]], inplace=True)


class QLeNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.quant = tq.QuantStub()
        self.conv1 = nn.Conv2d(1, 32, 5)
        self.relu1 = nn.ReLU()
        self.conv2 = nn.Conv2d(32, 64, 5)
        self.relu2 = nn.ReLU()
        self.fc1 = nn.Linear(64 * 4 * 4, 128)
        self.relu3 = nn.ReLU()
        self.fc2 = nn.Linear(128, 10)
        self.dequant = tq.DeQuantStub()

    def forward(self, x):
        x = F.max_pool2d(self.relu1(self.conv1(self.quant(x))), 2)
        x = F.max_pool2d(self.relu2(self.conv2(x)), 2)
        x = self.relu3(self.fc1(torch.flatten(x, 1)))
        return self.dequant(self.fc2(x))

    def fuse(self):
        tq.fuse_modules(self, [["conv1", "relu1"], ["conv2", "relu2"], ["fc1", "relu3"]], inplace=True)


def quantize(model, calib, batch=32):
    model.eval()
    model.fuse()
    model.qconfig = tq.get_default_qconfig("x86")
    tq.prepare(model, inplace=True)
    with torch.no_grad():
        for i in range(0, len(calib), batch):
            model(calib[i:i + batch])
    tq.convert(model, inplace=True)
    return model


def accuracy(model, x, y):
    with torch.no_grad():
        pred = torch.cat([model(x[i:i + 250]).argmax(1) for i in range(0, len(x), 250)])
    return float((pred == y).float().mean())


def mnist_net(name):
    fp32 = torch.jit.load(os.path.join(REPO, "examples", "mnist-" + name.split("-")[1],
                                       name.split("-")[1] + ".pt")).eval()
    q = QResNet() if name == "mnist-resnet" else QLeNet()
    missing = q.load_state_dict(fp32.state_dict(), strict=False)
    assert not [k for k in missing.missing_keys if "quant" not in k], missing
    calib = read_idx("calibration-images.idx3-ubyte")
    int8 = quantize(q, calib)
    example = calib[:1]
    int8 = torch.jit.trace(int8, example)
    x, y = read_idx("test-images.idx3-ubyte"), read_idx("test-labels.idx1-ubyte")
    print(f"{name}: top-1 FP32 {accuracy(fp32, x, y):.4f}, torch.ao INT8 {accuracy(int8, x, y):.4f}")
    return fp32, int8, (1, 28, 28)


def folded_resnet18():
    import torchvision
    torch.manual_seed(0)
    m = torchvision.models.resnet18(weights=None).eval()
    with torch.no_grad():  # random but not degenerate BatchNorm statistics
        for mod in m.modules():
            if isinstance(mod, nn.BatchNorm2d):
                mod.running_mean.uniform_(-0.1, 0.1)
                mod.running_var.uniform_(0.5, 1.5)
    return m


def fold_bn_resnet18(m):
    pairs = [["conv1", "bn1"]]
    for lname in ("layer1", "layer2", "layer3", "layer4"):
        for i, block in enumerate(getattr(m, lname)):
            pairs += [[f"{lname}.{i}.conv1", f"{lname}.{i}.bn1"], [f"{lname}.{i}.conv2", f"{lname}.{i}.bn2"]]
            if block.downsample is not None:
                pairs.append([f"{lname}.{i}.downsample.0", f"{lname}.{i}.downsample.1"])
    return tq.fuse_modules(m, pairs, inplace=False)


def resnet18_net(export):
    import torchvision
    float_model = folded_resnet18()
    folded = fold_bn_resnet18(float_model)
    example = torch.rand(1, 3, 224, 224)
    fp32 = torch.jit.trace(folded, example)
    qm = torchvision.models.quantization.resnet18(weights=None, quantize=False).eval()
    qm.load_state_dict(float_model.state_dict())
    qm.fuse_model(is_qat=False)
    qm.qconfig = tq.get_default_qconfig("x86")
    tq.prepare(qm, inplace=True)
    g = torch.Generator().manual_seed(1)
    calib = torch.rand(32, 3, 224, 224, generator=g)
    with torch.no_grad():
        for i in range(0, 32, 8):
            qm(calib[i:i + 8])
    tq.convert(qm, inplace=True)
    int8 = torch.jit.trace(qm, example)
    if export:
        os.makedirs(os.path.join(export, "calib"), exist_ok=True)
        fp32.save(os.path.join(export, "resnet18.pt"))
        with open(os.path.join(export, "resnet18.pt.json"), "w") as f:
            f.write('{"input_names": ["input"], "input_shapes": {"input": [-1, 3, 224, 224]}}\n')
        np.save(os.path.join(export, "calib", "input.npy"), calib.numpy())
        with open(os.path.join(export, "resnet18.json"), "w") as f:
            f.write("""{
  "model": {"model_name": "resnet18", "model": "resnet18.pt"},
  "engine": {"calibration_dataset": {"type": "npy", "path": "calib", "inputs": ["input"]}},
  "compression": {"algorithms": [{"name": "DefaultQuantization",
                                  "params": {"preset": "performance", "stat_subset_size": 32}}]}
}
""")
        print("wrote", export)
    return fp32, int8, (3, 224, 224)


def time_models(models, shape, batches, warmup, repeats):
    """{batch: [(median ms, min ms) per model]}, models run in rotating order every round."""
    out = {}
    for bs in batches:
        x = torch.rand(bs, *shape)
        times = [[] for _ in models]
        with torch.no_grad():
            for _ in range(warmup):
                for m in models:
                    m(x)
            for r in range(repeats):
                for k in range(len(models)):
                    i = (k + r) % len(models)
                    s = time.perf_counter()
                    models[i](x)
                    times[i].append(time.perf_counter() - s)
        out[bs] = [(float(np.median(t)) * 1e3, float(np.min(t)) * 1e3) for t in times]
    return out


def cpu_name():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--batch", default="1,32")
    p.add_argument("--warmup", type=int, default=10)
    p.add_argument("--repeats", type=int, default=40)
    p.add_argument("--nets", default="mnist-resnet,mnist-lenet,resnet18")
    p.add_argument("--export")
    p.add_argument("--pot4j", action="append", default=[])
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    torch.backends.quantized.engine = "x86"
    batches = [int(b) for b in args.batch.split(",")]
    print(f"CPU: {cpu_name()}; torch {torch.__version__}, {args.threads} threads, engine x86")
    pot4j = dict(spec.split("=", 1) for spec in args.pot4j)
    print(f"{'net':14s} batch  FP32 ms (min)      torch.ao INT8 ms (min)  ratio   pot4j INT8 ms (min)    ratio")
    for name in args.nets.split(","):
        fp32, int8, shape = resnet18_net(args.export) if name == "resnet18" else mnist_net(name)
        models = [fp32, int8] + ([torch.jit.load(pot4j[name]).eval()] if name in pot4j else [])
        for bs, t in time_models(models, shape, batches, args.warmup, args.repeats).items():
            line = f"{name:14s} {bs:5d} {t[0][0]:9.3f} ({t[0][1]:8.3f})  {t[1][0]:9.3f} ({t[1][1]:8.3f})  {t[0][0] / t[1][0]:5.2f}x"
            if len(t) > 2:
                line += f"  {t[2][0]:9.3f} ({t[2][1]:8.3f})  {t[0][0] / t[2][0]:5.2f}x"
            print(line, flush=True)


if __name__ == "__main__":
    main()
