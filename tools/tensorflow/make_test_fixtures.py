"""Regenerates the Keras test fixture of backend-tensorflow (a model exported with Keras 3 `model.export`).

Usage: python tools/tensorflow/make_test_fixtures.py

Writes backend-tensorflow/src/test/resources/keras_export/:
  model/      SavedModel from `model.export` (serving_default: "input" [N,16,16,3] -> "output_0" [N,4]);
              a Conv2D without bias + BatchNormalization + ReLU, a DepthwiseConv2D + BatchNormalization + ReLU6,
              global average pooling and a Dense layer, with random batch-norm statistics (seeded)
  x.npy       two input images, float32 [2,16,16,3]
  y.npy       the Keras outputs for them, float32 [2,4]

It covers what the TF1-style fixture built in Java does not: function-based TF2 graphs whose variables
TensorFlow's loader restores, and Keras 3 inference batch norms (Mul + AddV2) to fold.
"""
import os
import shutil

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import keras  # noqa: E402
import numpy as np  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(REPO, "backend-tensorflow", "src", "test", "resources", "keras_export")


def build():
    keras.utils.set_random_seed(5)
    inp = keras.Input((16, 16, 3), name="input")
    x = keras.layers.Conv2D(8, 3, use_bias=False, name="conv")(inp)
    x = keras.layers.BatchNormalization(name="bn")(x)
    x = keras.layers.ReLU(name="relu")(x)
    x = keras.layers.DepthwiseConv2D(3, use_bias=False, name="dw")(x)
    x = keras.layers.BatchNormalization(name="bn2")(x)
    x = keras.layers.ReLU(6.0, name="relu6")(x)
    x = keras.layers.GlobalAveragePooling2D(name="gap")(x)
    out = keras.layers.Dense(4, name="fc")(x)
    model = keras.Model(inp, out)
    rng = np.random.default_rng(5)
    for layer in model.layers:
        if isinstance(layer, keras.layers.BatchNormalization):
            g, b, m, v = layer.get_weights()
            layer.set_weights([rng.uniform(0.5, 1.5, g.shape), rng.normal(size=b.shape), rng.normal(size=m.shape),
                               rng.uniform(0.5, 1.5, v.shape)])
    return model


def main():
    model = build()
    tmp = OUT + ".tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(tmp)
    model.export(os.path.join(tmp, "model"), verbose=False)
    x = np.random.default_rng(6).random((2, 16, 16, 3), dtype=np.float32)
    np.save(os.path.join(tmp, "x.npy"), x)
    np.save(os.path.join(tmp, "y.npy"), model(x).numpy().astype(np.float32))
    shutil.rmtree(OUT, ignore_errors=True)
    os.replace(tmp, OUT)
    size = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(OUT) for f in fs)
    print(f"wrote {OUT} ({size} bytes)")


if __name__ == "__main__":
    main()
