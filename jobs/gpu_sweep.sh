#!/usr/bin/env bash
# The H200 sweep, run on the lent GPU machine (see data/measurements/README.md). Usage: jobs/gpu_sweep.sh PART
# PART=eager: every registry model <= 8B, PyTorch eager bf16, batch 1 and 32.
# PART=compiled: static KV cache + torch.compile (a subset, by priority), then int8/int4 weights for 1B and 8B.
# PART=fast: the fast path (pytorch-cudagraph) headline configurations, 5 repeats, then a batch sweep (FAST_SWEEP).
# PART=sweep: the fast path over SWEEP_MODELS x SWEEP_BATCHES (3 repeats), where each model turns compute-bound.
# Rows go to $OUT/gpu_h200_<PART>.jsonl, the log to $OUT/<PART>.log. Wheels missing there travel in .whl/.
set -u
PART=${1:?eager, compiled, fast or sweep}
OUT=${OUT:-/tmp/out}
mkdir -p "$OUT"
if ls .whl/*.whl >/dev/null 2>&1; then
  python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl \
    && export PYTHONPATH=/tmp/site:${PYTHONPATH:-}
fi
export PYTHONUNBUFFERED=1 TOKENIZERS_PARALLELISM=false
{
  echo "== sanity $(date -u +%FT%TZ)"
  nvidia-smi --query-gpu=name,driver_version,memory.total,power.limit,temperature.gpu,power.draw --format=csv
  python3 -c "import torch, transformers; print('torch', torch.__version__, 'cuda', torch.version.cuda, torch.cuda.get_device_name(0)); print('transformers', transformers.__version__)"
  for m in codecarbon torchao optimum.quanto optimum.onnxruntime pynvml; do
    python3 -c "import $m; print('import ok: $m', getattr($m, '__version__', ''))" 2>&1 | tail -1
  done
} 2>&1 | tee "$OUT/$PART.log"
START=$(date +%s)
# seconds left to start a configuration in (one takes about a minute): the call's BUDGET_S minus what has run
left() { local l=$(( ${BUDGET_S:-540} - ($(date +%s) - START) - 60 )); echo $(( l > 1 ? l : 1 )); }
COMMON=(--device cuda --prompts squad50 --new-tokens 64 --max-prompt-tokens 128 --warmup 1
        --min-window-s 5 --idle-s 5 --country USA --skip-invalid --cache-dir /tmp/greenlm-cache)
BY_PRIORITY=smollm-135m,llama-3.1-8b,qwen2.5-7b,mistral-7b,llama-3.2-1b,qwen2.5-0.5b,llama-3.2-3b,qwen2.5-3b,phi-3-mini,gemma-2-2b,qwen2.5-1.5b,smollm-1.7b,smollm-360m,smollm2-135m
FAST=(--backend pytorch-cudagraph --precision bf16)
if [ "$PART" = fast ]; then
  # where a step's time goes (kernels, gaps, host), one graph step vs 8 steps per replay
  python3 -m jobs.cli profile --model smollm-135m --steps-per-graph 1 --out "$OUT/profiles.jsonl" 2>&1 | tee -a "$OUT/$PART.log"
  python3 -m jobs.cli profile --model smollm-135m,llama-3.1-8b --batch-size 1 --out "$OUT/profiles.jsonl" 2>&1 | tee -a "$OUT/$PART.log"
  python3 -m jobs.cli profile --model llama-3.1-8b --batch-size 64 --out "$OUT/profiles.jsonl" 2>&1 | tee -a "$OUT/$PART.log"
  # the headline rows on the protocol (128 prompt + 128 new tokens), 5 repeats (the CV target is on 5)
  R5=("${COMMON[@]}" --repeats 5 --new-tokens 128)
  python3 -m jobs.cli run --model smollm-135m,llama-3.1-8b,llama-3.2-1b "${FAST[@]}" --batch-size 1 "${R5[@]}" \
    --deadline-s "$(left)" --out "$OUT/gpu_h200_fast.jsonl" 2>&1 | tee -a "$OUT/$PART.log"
  python3 -m jobs.cli run --model llama-3.1-8b "${FAST[@]}" --batch-size 64 "${R5[@]}" \
    --deadline-s "$(left)" --out "$OUT/gpu_h200_fast.jsonl" 2>&1 | tee -a "$OUT/$PART.log"
  PART=sweep
fi
if [ "$PART" = sweep ]; then
  python3 -m jobs.cli run --model "${SWEEP_MODELS:-llama-3.1-8b}" "${FAST[@]}" --batch-size "${SWEEP_BATCHES:-4,16,256}" \
    "${COMMON[@]}" --repeats 3 --new-tokens 128 --deadline-s "$(left)" --out "$OUT/gpu_h200_sweep.jsonl" 2>&1 | tee -a "$OUT/$PART.log"
elif [ "$PART" = eager ]; then
  python3 -m jobs.cli run --model "$BY_PRIORITY" --backend pytorch --precision bf16 --batch-size 1,32 \
    "${COMMON[@]}" --repeats 3 --deadline-s "${DEADLINE_S:-520}" --out "$OUT/gpu_h200_eager.jsonl" 2>&1 | tee -a "$OUT/$PART.log"
else
  python3 -m jobs.cli run --model "${COMPILE_MODELS:-smollm-135m,llama-3.1-8b,llama-3.2-1b,qwen2.5-7b,qwen2.5-0.5b,llama-3.2-3b}" \
    --backend pytorch-compile --precision bf16 --batch-size 1,32 \
    "${COMMON[@]}" --repeats 3 --deadline-s "${DEADLINE_S:-330}" --out "$OUT/gpu_h200_compiled.jsonl" 2>&1 | tee -a "$OUT/$PART.log"
  python3 -m jobs.cli run --model llama-3.2-1b,llama-3.1-8b --backend torchao,quanto --precision int8-weight,int4-weight \
    --batch-size 1 "${COMMON[@]}" --repeats 3 --deadline-s "${QUANT_DEADLINE_S:-150}" --out "$OUT/gpu_h200_quant.jsonl" 2>&1 | tee -a "$OUT/$PART.log"
fi
echo "== done $(date -u +%FT%TZ)" | tee -a "$OUT/$PART.log"
