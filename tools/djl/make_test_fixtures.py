"""Regenerates the small TorchScript fixtures of backend-djl's tests.

Writes into backend-djl/src/test/resources/djl/:
  tiny_cnn.pt         torch.jit.trace of a small CNN (Sequential stem, a residual block whose ReLU
                      module is called twice, flatten, two Linear layers); input [N,1,28,28], output [N,10]
  tiny_state_dict.pt  the same model's eager state_dict (torch.save), which pot4j must reject
  tiny_cnn_ref.bin    little-endian float32: 2 fixed inputs [2,1,28,28] then the traced model's outputs [2,10]
  tiny_scripted_if.pt torch.jit.script of a Linear called inside data-dependent if/else branches, input [N,4]
  tiny_scripted.pt    torch.jit.script of Conv2d -> BatchNorm2d (its scripted code has if blocks) -> ReLU -> Linear,
                      input [N,1,28,28] (scripted archives record no input shapes), output [N,10]
  tiny_scripted_ref.bin little-endian float32: 2 fixed inputs [2,1,28,28] then the scripted model's outputs [2,10]
  tiny_eager.pt       torch.save of a whole (eager) Branchy module: a pickle with no code, which pot4j must reject
  tiny_scripted_loop.pt torch.jit.script of a Linear applied in a while loop, input [N,4]: nothing pot4j can quantize

Run from the repository root with a Python that has torch installed:
  python tools/djl/make_test_fixtures.py
"""
import pathlib

import torch
import torch.nn as nn


class Block(nn.Module):
    def __init__(self, ch):
        super().__init__()
        self.conv1 = nn.Conv2d(ch, ch, 3, padding=1)
        self.conv2 = nn.Conv2d(ch, ch, 3, padding=1, bias=False)
        self.relu = nn.ReLU()

    def forward(self, x):
        y = self.relu(self.conv1(x))
        return self.relu(self.conv2(y) + x)


class Branchy(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 2)

    def forward(self, x):
        if bool(x.sum() > 0):
            return self.fc(x)
        return self.fc(-x)


class Looped(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 4)

    def forward(self, x):
        i = 0
        while i < 2:
            x = self.fc(x)
            i += 1
        return x


class ScriptedCnn(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 4, 3, stride=2)
        self.bn = nn.BatchNorm2d(4)
        self.fc = nn.Linear(4 * 13 * 13, 10)

    def forward(self, x):
        return self.fc(torch.flatten(torch.relu(self.bn(self.conv(x))), 1))


class TinyCnn(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(1, 8, 3, stride=2, padding=1), nn.ReLU())
        self.block = Block(8)
        self.pool = nn.AdaptiveAvgPool2d(4)
        self.fc1 = nn.Linear(8 * 4 * 4, 32)
        self.fc2 = nn.Linear(32, 10)

    def forward(self, x):
        x = self.pool(self.block(self.stem(x)))
        x = torch.relu(self.fc1(torch.flatten(x, 1)))
        return self.fc2(x)


def strip_debug(path):
    """Drops the .debug_pkl records, which hold source paths of the machine that traced the model."""
    import zipfile
    tmp = path.with_suffix(".tmp")
    with zipfile.ZipFile(path) as zi, zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_STORED) as zo:
        for info in zi.infolist():
            if not info.filename.endswith(".debug_pkl"):
                zo.writestr(zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0)), zi.read(info.filename))
    tmp.replace(path)


def bad_inputs(out):
    torch.manual_seed(7)
    torch.save(Branchy().eval(), str(out / "tiny_eager.pt"))
    torch.jit.script(Looped().eval()).save(str(out / "tiny_scripted_loop.pt"))
    strip_debug(out / "tiny_scripted_loop.pt")


def main():
    out = pathlib.Path(__file__).resolve().parents[2] / "backend-djl/src/test/resources/djl"
    out.mkdir(parents=True, exist_ok=True)
    bad_inputs(out)
    torch.manual_seed(7)
    model = TinyCnn().eval()
    example = torch.rand(1, 1, 28, 28)
    traced = torch.jit.trace(model, example)
    traced.save(str(out / "tiny_cnn.pt"))
    strip_debug(out / "tiny_cnn.pt")
    torch.save(model.state_dict(), str(out / "tiny_state_dict.pt"))
    inputs = torch.rand(2, 1, 28, 28)
    with torch.no_grad():
        outputs = traced(inputs)
    ref = torch.cat([inputs.flatten(), outputs.flatten()]).numpy().astype("<f4")
    (out / "tiny_cnn_ref.bin").write_bytes(ref.tobytes())
    torch.jit.script(Branchy().eval()).save(str(out / "tiny_scripted_if.pt"))
    strip_debug(out / "tiny_scripted_if.pt")
    cnn = ScriptedCnn()
    with torch.no_grad():
        cnn.bn.running_mean.uniform_(-0.2, 0.2)
        cnn.bn.running_var.uniform_(0.5, 1.5)
    scripted = torch.jit.script(cnn.eval())
    scripted.save(str(out / "tiny_scripted.pt"))
    strip_debug(out / "tiny_scripted.pt")
    with torch.no_grad():
        outputs = scripted(inputs)
    ref = torch.cat([inputs.flatten(), outputs.flatten()]).numpy().astype("<f4")
    (out / "tiny_scripted_ref.bin").write_bytes(ref.tobytes())


if __name__ == "__main__":
    main()
