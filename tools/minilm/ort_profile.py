"""What ONNX Runtime actually runs for encoder ONNX files, and where the time goes.

For each MODEL: the op types of the graph ORT optimizes it into (session optimized-model output, ALL
optimizations, as pot4j's onnx backend runs it), then ORT's per-node profile at each batch size (random
token ids, seq 64, full attention mask: each node's median kernel time, summed per op type), and the
median latency of interleaved rounds (all models in one loop, so a noisy machine slows them alike).

    python tools/minilm/ort_profile.py [--threads 2] [--batch 1,32] [--rounds 15] LABEL=MODEL ...
"""
import argparse
import collections
import json
import os
import statistics
import tempfile
import time

import numpy as np
import onnx
import onnxruntime as ort


def session(path, threads, optimized=None, profile=False):
    so = ort.SessionOptions()
    so.intra_op_num_threads = threads
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    if optimized:
        so.optimized_model_filepath = optimized
    if profile:
        so.enable_profiling = True
    return ort.InferenceSession(path, so, providers=["CPUExecutionProvider"])


def feeds(sess, batch, seq, rng):
    out = {}
    for i in sess.get_inputs():
        if "mask" in i.name:
            out[i.name] = np.ones((batch, seq), np.int64)
        elif "type" in i.name:
            out[i.name] = np.zeros((batch, seq), np.int64)
        else:
            out[i.name] = rng.integers(1000, 20000, (batch, seq)).astype(np.int64)
    return out


def op_counts(path, threads):
    with tempfile.TemporaryDirectory() as d:
        opt = os.path.join(d, "opt.onnx")
        session(path, threads, optimized=opt)
        m = onnx.load(opt, load_external_data=False)
    return collections.Counter(n.op_type for n in m.graph.node)


def profile(path, threads, batch, seq, runs):
    """Per op type, the sum over its nodes of each node's median kernel time (ms): medians drop the runs in
    which another process preempted a kernel, so on a loaded machine this compares layouts better than
    wall time (it leaves out the executor's time between kernels)."""
    sess = session(path, threads, profile=True)
    f = feeds(sess, batch, seq, np.random.default_rng(0))
    for _ in range(runs):
        sess.run(None, f)
    trace = sess.end_profiling()
    per_node = collections.defaultdict(list)
    op_of = {}
    with open(trace) as t:
        for e in json.load(t):
            if e.get("cat") == "Node" and e["name"].endswith("_kernel_time"):
                per_node[e["name"]].append(e["dur"])
                op_of[e["name"]] = e["args"]["op_name"]
    os.remove(trace)
    per_op = collections.Counter()
    for node, durations in per_node.items():
        per_op[op_of[node]] += statistics.median(durations) / 1000
    return per_op


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--batch", default="1,32")
    p.add_argument("--seq", type=int, default=64)
    p.add_argument("--rounds", type=int, default=15)
    p.add_argument("--no-profile", action="store_true")
    p.add_argument("models", nargs="+")
    a = p.parse_args()
    models = [m.split("=", 1) for m in a.models]
    for label, path in models:
        c = op_counts(path, a.threads)
        print(f"{label}: {sum(c.values())} nodes: " + ", ".join(f"{k} {v}" for k, v in sorted(c.items(), key=lambda kv: -kv[1])))
    for b in [int(x) for x in a.batch.split(",")]:
        if not a.no_profile:
            for label, path in models:
                prof = profile(path, a.threads, b, a.seq, 9 if b > 8 else 41)
                top = sorted(prof.items(), key=lambda kv: -kv[1])[:12]
                print(f"b{b} {label} kernel ms (node medians): total {sum(prof.values()):.2f}: "
                      + ", ".join(f"{k} {v:.2f}" for k, v in top))
        sessions = [(label, session(path, a.threads)) for label, path in models]
        rng = np.random.default_rng(1)
        times = {label: [] for label, _ in sessions}
        f = feeds(sessions[0][1], b, a.seq, rng)
        for _, s in sessions:
            for _ in range(2):
                s.run(None, f)
        for r in range(a.rounds):
            order = sessions if r % 2 == 0 else sessions[::-1]
            for label, s in order:
                t0 = time.perf_counter()
                s.run(None, f)
                times[label].append(time.perf_counter() - t0)
        base = statistics.median(times[models[0][0]])
        print(f"b{b} medians ms: " + ", ".join(f"{l} {statistics.median(t) * 1000:.2f} ({base / statistics.median(t):.2f}x)"
                                             for l, t in times.items()) + f"   load {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
