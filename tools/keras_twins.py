"""Builds Keras twins of the MNIST CNNs from the trained torch weights and saves them for TensorFlow.

Usage: python tools/keras_twins.py --exchange DIR      (DIR as given to tools/train_cnns.py)

Reads DIR/{lenet,resnet}_weights.npz (BatchNorm already folded, torch layouts, plus the ONNX logits
of the 2,000 test images), builds the same networks in Keras with NHWC input [N,28,28,1] named
"input", copies the weights (conv OIHW -> HWIO, dense [out,in] -> [in,out], and LeNet's first dense
rows permuted from NCHW (c,h,w) to NHWC (h,w,c) flatten order), checks that the Keras logits match
the ONNX ones (max |diff| < 1e-3, same accuracy), then writes

* examples/mnist-lenet/lenet_savedmodel/ and examples/mnist-resnet/resnet_savedmodel/
  (signature serving_default: input "input" float32 [N,28,28,1] -> output "logits" float32 [N,10])
* examples/mnist-lenet/lenet_frozen.pb (frozen GraphDef: placeholder "input", output "logits")

and appends a "Keras SavedModel twin" section to each example's README.md.
"""
import argparse
import os
import shutil
import struct
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
import keras  # noqa: E402
from keras import layers  # noqa: E402
from tensorflow.python.framework.convert_to_constants import convert_variables_to_constants_v2  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TOLERANCE = 1e-3


def conv(filters, k, stride, name, activation=None):
    """A conv that pads exactly like torch's Conv2d(padding=k//2).

    Keras "same" padding puts the odd pixel at the bottom/right for stride 2, torch pads both sides,
    so stride-2 convs get an explicit symmetric ZeroPadding2D and "valid" padding instead.
    """
    if stride == 1 or k == 1:
        pad = "same" if stride == 1 else "valid"
        return [layers.Conv2D(filters, k, stride, padding=pad, activation=activation, name=name)]
    return [layers.ZeroPadding2D(k // 2, name=name + "_pad"),
            layers.Conv2D(filters, k, stride, padding="valid", activation=activation, name=name)]


def apply(stack, x):
    for layer in stack:
        x = layer(x)
    return x


def build_lenet():
    inp = keras.Input((28, 28, 1), name="input")
    x = layers.Conv2D(32, 5, activation="relu", name="conv1")(inp)
    x = layers.MaxPooling2D(2, name="pool1")(x)
    x = layers.Conv2D(64, 5, activation="relu", name="conv2")(x)
    x = layers.MaxPooling2D(2, name="pool2")(x)
    x = layers.Flatten(name="flatten")(x)
    x = layers.Dense(128, activation="relu", name="fc1")(x)
    out = layers.Dense(10, name="fc2")(x)
    return keras.Model(inp, out, name="lenet")


def build_resnet():
    inp = keras.Input((28, 28, 1), name="input")
    x = apply(conv(32, 3, 1, "stem", "relu"), inp)
    for block, (cin, cout, stride) in (("block1", (32, 32, 1)), ("block2", (32, 64, 2)), ("block3", (64, 128, 2))):
        y = apply(conv(cout, 3, stride, f"{block}_a", "relu"), x)
        y = apply(conv(cout, 3, 1, f"{block}_b"), y)
        s = x if (stride == 1 and cin == cout) else apply(conv(cout, 1, stride, f"{block}_shortcut"), x)
        x = layers.ReLU(name=f"{block}_relu")(layers.Add(name=f"{block}_add")([y, s]))
    x = layers.GlobalAveragePooling2D(name="gap")(x)
    out = layers.Dense(10, name="fc")(x)
    return keras.Model(inp, out, name="resnet")


def conv_weights(w, b):
    return [np.transpose(w, (2, 3, 1, 0)), b]  # OIHW -> HWIO


def load_lenet(model, wts):
    model.get_layer("conv1").set_weights(conv_weights(wts["conv1.weight"], wts["conv1.bias"]))
    model.get_layer("conv2").set_weights(conv_weights(wts["conv2.weight"], wts["conv2.bias"]))
    # torch flattens [C=64,H=4,W=4]; Keras flattens [H,W,C]: reorder the input features of fc1
    fc1 = wts["fc1.weight"].reshape(128, 64, 4, 4).transpose(0, 2, 3, 1).reshape(128, 1024)
    model.get_layer("fc1").set_weights([fc1.T, wts["fc1.bias"]])
    model.get_layer("fc2").set_weights([wts["fc2.weight"].T, wts["fc2.bias"]])


def load_resnet(model, wts):
    # torch names after BN folding: stem.weight, blockN.a.weight, blockN.b.weight, blockN.shortcut.weight
    for layer in model.layers:
        if isinstance(layer, layers.Conv2D):
            key = layer.name.replace("_", ".")
            layer.set_weights(conv_weights(wts[key + ".weight"], wts[key + ".bias"]))
    model.get_layer("fc").set_weights([wts["fc.weight"].T, wts["fc.bias"]])


class Serving(tf.Module):
    """The serving_default signature: {"input": [N,28,28,1]} -> {"logits": [N,10]}."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    @tf.function(input_signature=[tf.TensorSpec([None, 28, 28, 1], tf.float32, name="input")])
    def serve(self, input):  # noqa: A002 - the argument name becomes the signature's input key
        return {"logits": tf.identity(self.model(input, training=False), name="logits")}


def read_idx(path):
    with open(path, "rb") as f:
        data = f.read()
    rank = data[3]
    dims = struct.unpack(">" + "I" * rank, data[4:4 + 4 * rank])
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * rank).reshape(dims)


def check(name, logits, reference, labels, what):
    diff = float(np.abs(logits - reference).max())
    acc, ref_acc = float((logits.argmax(1) == labels).mean()), float((reference.argmax(1) == labels).mean())
    print(f"{name} {what}: accuracy {acc:.4f} (ONNX {ref_acc:.4f}), max |logit diff| {diff:.2e}", flush=True)
    if diff >= TOLERANCE or acc != ref_acc:
        sys.exit(f"{name}: {what} does not reproduce the ONNX model")
    return acc, diff


def save_savedmodel(model, path):
    tmp = path + ".tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    module = Serving(model)
    tf.saved_model.save(module, tmp, signatures={"serving_default": module.serve})
    shutil.rmtree(path, ignore_errors=True)
    os.replace(tmp, path)


def save_frozen(model, path):
    module = Serving(model)  # keep a strong reference: the tf.function only holds a weak one
    concrete = module.serve.get_concrete_function()
    frozen = convert_variables_to_constants_v2(concrete)
    graph_def = frozen.graph.as_graph_def()
    with open(path + ".tmp", "wb") as f:
        f.write(graph_def.SerializeToString())
    os.replace(path + ".tmp", path)
    ops = sorted({n.op for n in graph_def.node})
    return ops


def run_frozen(path, x):
    graph_def = tf.compat.v1.GraphDef()
    with open(path, "rb") as f:
        graph_def.ParseFromString(f.read())
    fn = tf.compat.v1.wrap_function(lambda: tf.compat.v1.import_graph_def(graph_def, name=""), [])
    run = fn.prune(fn.graph.get_tensor_by_name("input:0"), fn.graph.get_tensor_by_name("logits:0"))
    return run(tf.constant(x)).numpy()


def dir_bytes(path):
    return sum(os.path.getsize(os.path.join(d, f)) for d, _, files in os.walk(path) for f in files)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--exchange", required=True, help="folder where train_cnns.py wrote *_weights.npz")
    args = parser.parse_args()
    tf.random.set_seed(0)
    data_dir = os.path.join(REPO, "examples", "data", "mnist")
    test_x = read_idx(os.path.join(data_dir, "test-images.idx3-ubyte")).astype(np.float32)[..., None] / 255.0
    test_y = read_idx(os.path.join(data_dir, "test-labels.idx1-ubyte")).astype(np.int64)

    for name, build, load in (("lenet", build_lenet, load_lenet), ("resnet", build_resnet, load_resnet)):
        wts = dict(np.load(os.path.join(args.exchange, f"{name}_weights.npz")))
        reference = wts.pop("__onnx_test_logits__")
        model = build()
        load(model, wts)
        acc, diff = check(name, model.predict(test_x, batch_size=500, verbose=0), reference, test_y, "Keras")
        out_dir = os.path.join(REPO, "examples", f"mnist-{name}")
        sm_path = os.path.join(out_dir, f"{name}_savedmodel")
        save_savedmodel(model, sm_path)
        served = tf.saved_model.load(sm_path).signatures["serving_default"](input=tf.constant(test_x))["logits"]
        sm_acc, sm_diff = check(name, served.numpy(), reference, test_y, "SavedModel")
        lines = [f"\n## Keras SavedModel twin\n\n"
                 f"Written by `tools/keras_twins.py` (TensorFlow 2.18, Keras 3) from the same folded weights "
                 f"(conv kernels OIHW -> HWIO"
                 + (", first dense layer reordered from NCHW to NHWC flatten order" if name == "lenet" else "")
                 + ").\n\n"
                 f"- `{name}_savedmodel/` ({dir_bytes(sm_path)} bytes): signature `serving_default`, input `input` "
                 f"float32 [N,28,28,1] (NHWC, pixel/255), output `logits` float32 [N,10]. "
                 f"FP32 test accuracy **{sm_acc:.4f}**, max |logit diff| to ONNX {sm_diff:.1e}.\n"]
        if name == "lenet":
            pb_path = os.path.join(out_dir, "lenet_frozen.pb")
            ops = save_frozen(model, pb_path)
            pb_acc, pb_diff = check(name, run_frozen(pb_path, test_x), reference, test_y, "frozen GraphDef")
            lines.append(f"- `lenet_frozen.pb` ({os.path.getsize(pb_path)} bytes): frozen GraphDef, input placeholder "
                         f"`input` (tensor `input:0`, float32 [N,28,28,1]), output node `logits` (tensor `logits:0`, "
                         f"float32 [N,10]; `Identity:0` is the same value). Ops: {', '.join(ops)}. "
                         f"FP32 test accuracy **{pb_acc:.4f}**, max |logit diff| to ONNX {pb_diff:.1e}.\n")
        readme = os.path.join(out_dir, "README.md")
        text = open(readme).read() if os.path.exists(readme) else f"# MNIST {name}\n"
        marker = "\n## Keras SavedModel twin"
        if marker in text:
            text = text[:text.index(marker)]
        with open(readme + ".tmp", "w") as f:
            f.write(text.rstrip("\n") + "\n" + "".join(lines))
        os.replace(readme + ".tmp", readme)


if __name__ == "__main__":
    main()
