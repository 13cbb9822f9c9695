#!/usr/bin/env bash
# The H200 sweep, run on the lent GPU machine (see data/measurements/README.md). Usage: jobs/gpu_sweep.sh PART[,PART...]
# PART=eager: EAGER_MODELS (default every registry model <= 8B), PyTorch eager bf16, batch EAGER_BATCHES (1,32).
# PART=compiled: static KV cache + torch.compile for COMPILE_MODELS (a subset, by priority), batch 1 and 32.
# PART=quant: torchao/quanto int8/int4 weights for 1B and 8B at QUANT_BATCHES (1).
# PART=fast: the fast path (pytorch-cudagraph) headline configurations (FAST_RUNS), 5 repeats, then PART=sweep.
# PART=sweep: the fast path over SWEEP_MODELS x SWEEP_BATCHES (3 repeats), where each model turns compute-bound.
# PART=profile: `greenlm-bench profile` for each model:batch:precision:attention in PROFILES.
# PART=runs: exact groups "models|backend|precision|batches" (space-separated, each one CLI call, REPEATS windows)
# from RUNS_GPU<i> for part i of a multi-part call, else RUNS; for the cells a sweep left out.
# Several parts, comma-separated: part i runs on GPU i (CUDA_VISIBLE_DEVICES=i), all at once; the meters follow
# (jobs/provenance.nvml_index), so each row's energy is its own GPU's.
# Rows go to $OUT/gpu_h200_<PART>.jsonl, the log to $OUT/<PART>.log. Wheels missing there travel in .whl/.
set -u
PART=${1:?eager, compiled, quant, fast, sweep or profile; several comma-separated run one per GPU}
OUT=${OUT:-/tmp/out}
mkdir -p "$OUT"
if ls .whl/*.whl >/dev/null 2>&1 && [ -z "${GREENLM_WHEELS_DONE:-}" ]; then
  python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl \
    && export PYTHONPATH=/tmp/site:${PYTHONPATH:-} GREENLM_WHEELS_DONE=1
fi
export PYTHONUNBUFFERED=1 TOKENIZERS_PARALLELISM=false
if [[ "$PART" == *,* ]]; then
  IFS=, read -ra PARTS <<<"$PART"
  n=$(nvidia-smi -L | wc -l)
  [ "${#PARTS[@]}" -le "$n" ] || { echo "${#PARTS[@]} parts but $n GPU(s)"; exit 2; }
  for i in "${!PARTS[@]}"; do
    RUNS_VAR=RUNS_GPU$i
    CUDA_VISIBLE_DEVICES=$i GREENLM_PART_TAG="${PARTS[$i]}_gpu$i" RUNS="${!RUNS_VAR:-${RUNS:-}}" \
      "$0" "${PARTS[$i]}" >/dev/null 2>&1 &
  done
  wait
  exit 0
fi
{
  echo "== sanity $(date -u +%FT%TZ)"
  echo "CUDA_VISIBLE_DEVICES=${CUDA_VISIBLE_DEVICES:-}"
  nvidia-smi --query-gpu=index,name,driver_version,memory.total,power.limit,temperature.gpu,power.draw --format=csv
  python3 -c "import torch, transformers; print('torch', torch.__version__, 'cuda', torch.version.cuda, torch.cuda.get_device_name(0)); print('transformers', transformers.__version__)"
  for m in codecarbon torchao optimum.quanto optimum.onnxruntime pynvml; do
    python3 -c "import $m; print('import ok: $m', getattr($m, '__version__', ''))" 2>&1 | tail -1
  done
} 2>&1 | tee "$OUT/${GREENLM_PART_TAG:-$PART}.log"
START=$(date +%s)
# seconds left to start a configuration in (one takes about a minute): the call's BUDGET_S minus what has run
left() { local l=$(( ${BUDGET_S:-540} - ($(date +%s) - START) - 60 )); echo $(( l > 1 ? l : 1 )); }
COMMON=(--device cuda --prompts squad50 --new-tokens 64 --max-prompt-tokens 128 --warmup 1
        --min-window-s 5 --idle-s 5 --country USA --skip-invalid --cache-dir /tmp/greenlm-cache)
BY_PRIORITY=smollm-135m,llama-3.1-8b,qwen2.5-7b,mistral-7b,llama-3.2-1b,qwen2.5-0.5b,llama-3.2-3b,qwen2.5-3b,phi-3-mini,gemma-2-2b,qwen2.5-1.5b,smollm-1.7b,smollm-360m,smollm2-135m
FAST=(--backend pytorch-cudagraph --precision bf16)
LOG="$OUT/${GREENLM_PART_TAG:-$PART}.log"
if [ "$PART" = runs ]; then
  for g in ${RUNS:?RUNS (or RUNS_GPU<i>) lists "models|backend|precision|batches" groups}; do
    IFS='|' read -r m be pr b <<<"$g"
    [ "$(left)" -gt 1 ] || { echo "not run (deadline): $g" | tee -a "$LOG"; continue; }
    python3 -m jobs.cli run --model "$m" --backend "$be" --precision "$pr" --batch-size "$b" "${COMMON[@]}" \
      --repeats "${REPEATS:-5}" --deadline-s "$(left)" --out "$OUT/gpu_h200_${GREENLM_PART_TAG:-runs}.jsonl" 2>&1 | tee -a "$LOG"
  done
fi
if [ "$PART" = profile ]; then
  for p in ${PROFILES:-llama-3.1-8b:64:bf16:grouped}; do
    IFS=: read -r m b pr at <<<"$p"
    [ "$(left)" -gt 1 ] || break
    python3 -m jobs.cli profile --model "$m" --batch-size "$b" --precision "$pr" --attention "$at" \
      --out "$OUT/profiles.jsonl" 2>&1 | tee -a "$LOG"
  done
fi
if [ "$PART" = fast ]; then
  # the headline rows on the issue's protocol (128 prompt + 128 new tokens), 5 repeats (the CV target is on 5);
  # FAST_RUNS: model:batch:precision, in priority order
  R5=("${COMMON[@]}" --repeats 5 --new-tokens 128)
  for r in ${FAST_RUNS:-llama-3.1-8b:64:bf16 llama-3.1-8b:1:int4-weight llama-3.1-8b:1:bf16 smollm-135m:1:bf16 llama-3.2-1b:1:bf16}; do
    IFS=: read -r m b pr <<<"$r"
    python3 -m jobs.cli run --model "$m" --backend pytorch-cudagraph --precision "$pr" --batch-size "$b" "${R5[@]}" \
      --deadline-s "$(left)" --out "$OUT/gpu_h200_fast.jsonl" 2>&1 | tee -a "$LOG"
  done
  PART=sweep
fi
if [ "$PART" = sweep ]; then
  python3 -m jobs.cli run --model "${SWEEP_MODELS:-llama-3.1-8b}" "${FAST[@]}" --batch-size "${SWEEP_BATCHES:-4,16,256}" \
    "${COMMON[@]}" --repeats 3 --new-tokens 128 --deadline-s "$(left)" --out "$OUT/gpu_h200_sweep.jsonl" 2>&1 | tee -a "$LOG"
elif [ "$PART" = eager ]; then
  python3 -m jobs.cli run --model "${EAGER_MODELS:-$BY_PRIORITY}" --backend pytorch --precision bf16 \
    --batch-size "${EAGER_BATCHES:-1,32}" "${COMMON[@]}" --repeats "${REPEATS:-3}" --deadline-s "$(left)" \
    --out "$OUT/gpu_h200_eager.jsonl" 2>&1 | tee -a "$LOG"
elif [ "$PART" = compiled ]; then
  python3 -m jobs.cli run --model "${COMPILE_MODELS:-smollm-135m,llama-3.1-8b,llama-3.2-1b,qwen2.5-7b,qwen2.5-0.5b,llama-3.2-3b}" \
    --backend pytorch-compile --precision bf16 --batch-size 1,32 \
    "${COMMON[@]}" --repeats "${REPEATS:-3}" --deadline-s "$(left)" --out "$OUT/gpu_h200_compiled.jsonl" 2>&1 | tee -a "$LOG"
  PART=quant
fi
if [ "$PART" = quant ]; then
  python3 -m jobs.cli run --model llama-3.2-1b,llama-3.1-8b --backend torchao,quanto --precision int8-weight,int4-weight \
    --batch-size "${QUANT_BATCHES:-1}" "${COMMON[@]}" --repeats "${REPEATS:-3}" --deadline-s "$(left)" \
    --out "$OUT/gpu_h200_quant.jsonl" 2>&1 | tee -a "$LOG"
fi
echo "== done $(date -u +%FT%TZ)" | tee -a "$LOG"
