"""Exports an ImageNet-size CNN (Keras ResNet50, 224x224x3, random weights) as a SavedModel, for
speed measurements of the TensorFlow backend's int8 graphs (`pot4j benchmark`). Speed does not
need trained weights; the weights are seeded, so every run writes the same model.

Also writes a calibration set of N random images (`calibration/input.npy`, float32 in [0, 1],
NHWC) and a pot4j config that quantizes the model with it, so that

    python tools/tensorflow/export_imagenet_cnn.py --out DIR
    pot4j quantize DIR/config.json --output DIR/out
    pot4j benchmark DIR/resnet50_savedmodel DIR/out/resnet50/resnet50-int8 --batch 1,32 --threads 2

measures FP32 against INT8. Nothing is written inside the repository; choose DIR outside it.
"""
import argparse
import json
import os
import shutil

import numpy as np
import tensorflow as tf


class Serving(tf.Module):
    """serving_default: {"input": [N,224,224,3]} -> {"logits": [N,1000]}."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    @tf.function(input_signature=[tf.TensorSpec([None, 224, 224, 3], tf.float32, name="input")])
    def serve(self, input):  # noqa: A002 - the argument name becomes the signature's input key
        return {"logits": tf.identity(self.model(input, training=False), name="logits")}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", required=True, help="output folder (outside the repository)")
    ap.add_argument("--calibration", type=int, default=32, help="number of random calibration images")
    args = ap.parse_args()
    tf.keras.utils.set_random_seed(0)
    model = tf.keras.applications.ResNet50(weights=None, input_shape=(224, 224, 3), classes=1000,
                                           classifier_activation=None)
    os.makedirs(args.out, exist_ok=True)
    path = os.path.join(args.out, "resnet50_savedmodel")
    tmp = path + ".tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    module = Serving(model)
    tf.saved_model.save(module, tmp, signatures={"serving_default": module.serve})
    shutil.rmtree(path, ignore_errors=True)
    os.replace(tmp, path)

    calib = os.path.join(args.out, "calibration")
    os.makedirs(calib, exist_ok=True)
    rng = np.random.default_rng(0)
    np.save(os.path.join(calib, "input.npy"), rng.random((args.calibration, 224, 224, 3), dtype=np.float32))
    config = {
        "model": {"model_name": "resnet50", "model": "resnet50_savedmodel"},
        "engine": {"calibration_dataset": {"type": "npy", "path": "calibration"}},
        "compression": {"target_device": "CPU", "algorithms": [{"name": "DefaultQuantization", "params": {
            "preset": "performance", "stat_subset_size": args.calibration, "use_fast_bias": False}}]},
    }
    with open(os.path.join(args.out, "config.json"), "w") as f:
        json.dump(config, f, indent=2)
    print(f"wrote {path}, {calib}/input.npy and {args.out}/config.json")


if __name__ == "__main__":
    main()
