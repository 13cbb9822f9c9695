"""Put the rows of a later quality run into a committed rows file, one row per configuration.

    python -m jobs.quality.merge data/measurements/quality/quality_cpu_2026-11-30.jsonl /tmp/new.jsonl \\
        --skip pytorch/fp32

A configuration of the new file replaces the committed row of the same ``config_key`` in place (a ``not_run`` row
becomes the measured one); new configurations are appended; ``--skip`` leaves configurations out (e.g. a re-run of
the reference that was only a reproducibility check). Every other committed line stays byte-identical. The answers
sidecars follow: the replaced rows' answers go, the adopted rows' answers are appended.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Annotated

import typer


def _sidecar(rows_file: Path) -> Path:
    return rows_file.with_name(rows_file.stem + "_answers.jsonl")


def _lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines(keepends=True) if path.exists() else []


def _numbered(path: Path) -> list[tuple[int, str]]:
    return list(enumerate(_lines(path), start=1))


def _write(path: Path, lines: list[str]) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.writelines(lines)
    os.replace(tmp, path)


def _key(line: str, path: Path, n: int, field: str) -> str:
    try:
        return str(json.loads(line)[field])
    except (json.JSONDecodeError, KeyError, TypeError) as exc:
        raise ValueError(f"{path}:{n}: no {field!r} in this line ({type(exc).__name__})") from exc


def merge(target: Path, source: Path, skip: frozenset[str] = frozenset()) -> list[str]:
    """Merge ``source``'s rows into ``target`` (and their sidecars); returns the config keys adopted."""
    old = _lines(target)
    old_keys = [_key(line, target, n, "config_key") for n, line in enumerate(old, start=1)]
    if len(set(old_keys)) != len(old_keys):
        raise ValueError(
            f"{target}: a configuration appears more than once; merge needs one row per configuration"
        )
    new = {}
    for n, line in enumerate(_lines(source), start=1):
        key = _key(line, source, n, "config_key")
        if key in skip:
            continue
        if key in new:
            raise ValueError(f"{source}:{n}: configuration {key} appears twice")
        new[key] = line if line.endswith("\n") else line + "\n"
    replaced = {
        _key(line, target, n, "run_id") for n, line in enumerate(old, start=1) if old_keys[n - 1] in new
    }
    rows = [new.get(k, line) for k, line in zip(old_keys, old, strict=True)]
    rows += [line for k, line in new.items() if k not in old_keys]
    adopted = {json.loads(line)["run_id"] for line in new.values()}
    answers = [
        a for n, a in _numbered(_sidecar(target)) if _key(a, _sidecar(target), n, "run_id") not in replaced
    ]
    answers += [
        a for n, a in _numbered(_sidecar(source)) if _key(a, _sidecar(source), n, "run_id") in adopted
    ]
    _write(target, rows)
    _write(_sidecar(target), answers)
    return list(new)


def main(
    target: Annotated[Path, typer.Argument(help="the committed rows file")],
    source: Annotated[Path, typer.Argument(help="the rows file of the later run")],
    skip: Annotated[list[str] | None, typer.Option(help="config keys to leave out (repeatable)")] = None,
) -> None:
    keys = merge(target, source, frozenset(skip or ()))
    typer.echo(f"{target}: {len(keys)} configuration(s) from {source}: {', '.join(keys)}")


if __name__ == "__main__":
    typer.run(main)
