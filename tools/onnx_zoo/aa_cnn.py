"""An ImageNet-size AccuracyAware benchmark: torchvision MobileNetV2 at 224 px with a synthetic tight target.

Speed of the search only, never accuracy: like cnn_zoo.py the weights are random (torchvision's
initialisation) with BatchNorm statistics from random images, so there are no labels. The target
is the cosine similarity of the INT8 logits to the FP32 logits (validation samples annotated with
the FP32 output), tight enough that DefaultQuantization misses it. Writes into --out (outside the
repository): mobilenet_v2.onnx, calib/input.npy (64 images), eval/input.npy (--eval images, other
seed) and config-aa-{fast,exact}.json. Then:

  pot4j quantize <out>/config-aa-fast.json --output <out>/fast
  pot4j quantize <out>/config-aa-exact.json --output <out>/exact

and compare the `cost` blocks of accuracy-aware-report.json in the `work` folder of each <out>/{fast,exact}/<model>.
"""
import argparse
import json
import sys
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
import cnn_zoo  # noqa: E402


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", required=True, type=Path, help="work folder, outside the repository")
    p.add_argument("--net", default="mobilenet_v2", choices=sorted(cnn_zoo.nets()))
    p.add_argument("--eval", type=int, default=200, help="validation images")
    p.add_argument("--maximal-drop", type=float, default=0.002, help="allowed cosine drop (Default loses more)")
    a = p.parse_args()
    torch.set_num_threads(2)
    torch.manual_seed(0)
    out = a.out
    (out / "calib").mkdir(parents=True, exist_ok=True)
    (out / "eval").mkdir(parents=True, exist_ok=True)
    model = cnn_zoo.nets()[a.net]()
    cnn_zoo.calibrate_batchnorm(model)
    calib = cnn_zoo.random_images(cnn_zoo.CALIB, 1).numpy().astype(np.float32)
    evals = cnn_zoo.random_images(a.eval, 2).numpy().astype(np.float32)
    onnx_file = out / f"{a.net}.onnx"
    cnn_zoo.atomic_write(onnx_file, lambda f: torch.onnx.export(
        model, torch.from_numpy(calib[:1]), f, input_names=["input"], output_names=["output"], opset_version=17,
        dynamic_axes={"input": {0: "N"}, "output": {0: "N"}}, dynamo=False))
    cnn_zoo.atomic_write(out / "calib" / "input.npy", lambda f: np.save(open(f, "wb"), calib))
    cnn_zoo.atomic_write(out / "eval" / "input.npy", lambda f: np.save(open(f, "wb"), evals))
    for mode in ("fast", "exact"):
        config = {
            "model": {"model_name": f"{a.net}-aa-{mode}", "model": onnx_file.name},
            "engine": {
                "calibration_dataset": {"type": "npy", "path": "calib", "inputs": ["input"]},
                "validation_dataset": {"type": "npy", "path": "eval", "inputs": ["input"], "annotation": "fp32_output"},
                "metrics": [{"name": "cosine_similarity"}],
            },
            "compression": {"target_device": "CPU", "algorithms": [{
                "name": "AccuracyAwareQuantization",
                "params": {"preset": "performance", "stat_subset_size": cnn_zoo.CALIB, "maximal_drop": a.maximal_drop,
                           "ranking_subset_size": 50, "max_iter_num": 30, "ranking": mode}}]},
        }
        cnn_zoo.atomic_write(out / f"config-aa-{mode}.json", lambda f: Path(f).write_text(json.dumps(config, indent=2)))
    print(f"{a.net}: exported to {out}", flush=True)


if __name__ == "__main__":
    sys.exit(main())
