#!/usr/bin/env bash
# Pack what a machine without network (the lent GPU machine) lacks to run `greenlm campaign launch` through Ray:
# the CPython 3.12 wheels of requirements-py312.lock minus the machine's own packages (image_packages.txt) and minus
# what a campaign never imports (CUDA/torch stacks, test and lint tools, the webserver, Postgres), unpacked, with
# Ray's Java jar, its ML libraries (rllib, tune, train, serve, data, llm, air), non-English locale data and debug
# symbols left out, as one xz tarball: about 54 MB (53.6 MB on 2026-12-06), so that it travels beside a tree without its large input data
# (greenlm-bench manifest --omit) under the 64 MiB a device call carries. Run from the repo root:
#   bash jobs/campaigns/offline/pack_stack.sh [OUT_DIR]     (default .devstack; needs python3.12 for the install)
set -euo pipefail
OUT=${1:-.devstack}
PY312=${PY312:-python3.12}
W=$(mktemp -d)
mkdir -p "$OUT"
python3 - "$W/need.txt" <<'PY'
import re, sys
from pathlib import Path
image = {l.strip().lower().replace("_", "-") for l in Path("jobs/campaigns/offline/image_packages.txt").read_text().splitlines()
         if l.strip() and not l.startswith("#")}
never = re.compile(r"^(torch|torchao|triton|nvidia-.*|cuda-.*|transformers|tokenizers|huggingface-hub|hf-xet|safetensors"
                   r"|accelerate|onnx.*|optimum.*|playwright|ruff|pytest.*|codecarbon|gguf|ninja|setuptools|virtualenv"
                   r"|distlib|python-discovery|dagster-webserver|dagster-graphql|dagster-cloud-cli|dagster-dg-.*"
                   r"|dagster-postgres|psycopg2-binary|flatbuffers|watchfiles|websockets|uvloop|httptools|greenlet"
                   r"|rapidfuzz|authlib|joserfc|github3-py|questionary|yaspin|prompt-toolkit|wcwidth|sqlglotc|sqlglotrs)==")
lock = [l.split()[0] for l in Path("requirements-py312.lock").read_text().splitlines() if re.match(r"^[A-Za-z0-9]", l)]
need = [l for l in lock if l.split("==")[0].lower() not in image and not never.match(l)]
Path(sys.argv[1]).write_text("\n".join(need) + "\n")
print(f"{len(need)} distributions to carry", file=sys.stderr)
PY
python3 -m pip download -q --no-deps --only-binary=:all: --python-version 3.12 --implementation cp \
  --platform manylinux_2_28_x86_64 --platform manylinux_2_27_x86_64 --platform manylinux_2_17_x86_64 \
  --platform manylinux2014_x86_64 --platform manylinux1_x86_64 -d "$W/whl" -r "$W/need.txt"
"$PY312" -m pip install -q --no-index --no-deps --no-compile --target "$W/site" "$W"/whl/*.whl
cd "$W/site"
rm -rf ray/jars ray/rllib ray/tune ray/train ray/serve ray/data ray/llm ray/air bin/py-spy pycountry/locales
rm -f ray/dashboard/client/build/static/js/*.map
find babel/locale-data -type f ! -name "en*.dat" ! -name "root.dat" -delete
find . -name __pycache__ -prune -exec rm -rf {} +
strip --strip-unneeded ray/_raylet.so ray/core/src/ray/gcs/gcs_server ray/core/src/ray/raylet/raylet
sed -i '1s|^#!.*python.*$|#!/usr/bin/env python3|' bin/*
cd - > /dev/null
tar -C "$W/site" -cf - . | xz -T0 -9 > "$OUT/stack.tar.xz"
cp jobs/campaigns/offline/one_machine.sh jobs/campaigns/offline/lo_up.py "$OUT/"
rm -rf "$W"
ls -l "$OUT"
