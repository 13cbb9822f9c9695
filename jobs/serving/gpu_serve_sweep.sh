#!/usr/bin/env bash
# The serving sweep on the lent GPU machine: `transformers serve` (continuous batching, on the image) for each model
# shape, driven by aiperf, metered by NVML (greenlm-bench serve --gpus 0). Run from the repo root:
#   jobs/serving/gpu_serve_sweep.sh [MODELS]        (default: smollm-135m llama-3.2-1b llama-3.1-8b)
# The machine has no network: aiperf and the wheels the image lacks travel in .whl-loadgen/ (make them here with
#   pip download aiperf==0.13.0 -d .whl-loadgen --python-version <the image's> --only-binary=:all:
# and keep only those the image lacks, to stay under the 64 MiB a call carries). Weights: a random-weight
# checkpoint of each registry model (jobs/serving/checkpoint.py; rows say weights=random). Rows go to
# $OUT/serving_gpu_<model>.jsonl, logs beside them.
set -u
MODELS=${1:-smollm-135m llama-3.2-1b llama-3.1-8b}
OUT=${OUT:-/tmp/out}
CONCURRENCY=${CONCURRENCY:-1,4,16,64}
REQUESTS=${REQUESTS:-128}
MAX_TOKENS=${MAX_TOKENS:-128}
PORT=${PORT:-8765}
mkdir -p "$OUT"
export PYTHONUNBUFFERED=1 TOKENIZERS_PARALLELISM=false
# transformers serve (5.17) lists models by scanning the hub cache: without that folder /v1/models answers 500
# (huggingface_hub CacheNotFound), which is what the first run on the lent H100 met (2026-12-06).
export HF_HUB_CACHE=${HF_HUB_CACHE:-/tmp/hf-hub-cache}
mkdir -p "$HF_HUB_CACHE"
if ls .whl-loadgen/*.whl >/dev/null 2>&1; then
  python3 -m pip install -q --upgrade --no-index --no-deps --no-compile --target /tmp/loadgen-site .whl-loadgen/*.whl
  export PYTHONPATH=/tmp/loadgen-site:${PYTHONPATH:-}
fi
if ls .whl/*.whl >/dev/null 2>&1; then  # the harness's own wheels (codecarbon, typer, ...), as jobs/gpu_sweep.sh
  python3 -m pip install -q --no-index --no-deps --no-compile --target /tmp/site .whl/*.whl
  export PYTHONPATH=/tmp/site:${PYTHONPATH:-}
fi
AIPERF=${AIPERF:-$(command -v aiperf || echo /tmp/loadgen-site/bin/aiperf)}
TV=$(python3 -c "import transformers; print(transformers.__version__)")
for m in $MODELS; do
  ckpt=/tmp/ckpt/$m
  [ -f "$ckpt/config.json" ] || python3 -m jobs.serving.checkpoint "$m" "$ckpt" > "$OUT/checkpoint_$m.json"
  transformers serve "$ckpt" --continuous-batching --host 127.0.0.1 --port "$PORT" --device cuda:0 \
    --dtype bfloat16 --log-level warning > "$OUT/transformers_serve_$m.log" 2>&1 &
  server=$!
  # Ready when /v1/models answers 200. A server that exits while loading, or that answers with an error 20 times
  # in a row (it is up but broken), ends this model's sweep with its log's tail instead of polling for 900 s.
  ready=0; errors=0
  for _ in $(seq 1800); do
    if ! kill -0 "$server" 2>/dev/null; then break; fi
    code=$(python3 -c "import httpx; print(httpx.get('http://127.0.0.1:$PORT/v1/models', timeout=2).status_code)" 2>/dev/null)
    if [ "$code" = 200 ]; then ready=1; break; fi
    if [ -n "$code" ]; then errors=$((errors + 1)); [ "$errors" -ge 20 ] && break; else errors=0; fi
    sleep 0.5
  done
  if [ "$ready" != 1 ]; then
    echo "transformers serve for $m did not come up (exited, answered /v1/models with ${code:-nothing} $errors times, or 900 s passed):" | tee -a "$OUT/serve_$m.log"
    tail -20 "$OUT/transformers_serve_$m.log" | tee -a "$OUT/serve_$m.log"
    kill "$server" 2>/dev/null; wait "$server" 2>/dev/null
    continue
  fi
  python3 -m jobs.cli serve --url "http://127.0.0.1:$PORT" --model-name "$ckpt" --model-key "$m" \
    --hf-model-id "$(python3 -c "from jobs.registry import get_model; print(get_model('$m').hf_model_id)")" \
    --weights random --server "transformers serve" --server-version "$TV" \
    --server-settings "{\"continuous_batching\": true, \"dtype\": \"bfloat16\", \"device\": \"cuda:0\", \"checkpoint\": \"jobs/serving/checkpoint.py (random weights, vocab 49152)\"}" \
    --gpus 0 --concurrency "$CONCURRENCY" --requests "$REQUESTS" --max-tokens "$MAX_TOKENS" --prompts squad50 \
    --tokenizer "$ckpt" --aiperf "$AIPERF" --wait-ready-s 30 --country USA \
    --workdir "$OUT/work_$m" --out "$OUT/serving_gpu_$m.jsonl" 2>&1 | tee "$OUT/serve_$m.log"
  kill "$server"; wait "$server" 2>/dev/null
done
