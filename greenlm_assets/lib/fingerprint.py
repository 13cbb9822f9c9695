"""Cheap input fingerprints, taken before any parsing, so a raw asset can skip an unchanged input without reading it.

A fingerprint covers everything that determines a raw table: the bytes of its input files (a folder counts every
file under it, by relative name), the source code of the modules that parse and load them, and any other texts
(DDL, quarantine rules). Hashing the ~45 MB of shipped snapshots takes about 0.1 s; parsing them takes seconds.
"""

from __future__ import annotations

import hashlib
import inspect
from collections.abc import Iterable
from pathlib import Path
from types import ModuleType

CHUNK = 1 << 20


def _files(path: Path) -> list[tuple[str, Path]]:
    if path.is_file():
        return [(path.name, path)]
    return sorted((str(p.relative_to(path)), p) for p in path.rglob("*") if p.is_file())


def fingerprint(
    paths: Iterable[Path], modules: Iterable[ModuleType | None] = (), texts: Iterable[str] = ()
) -> str | None:
    """sha256 over the files under ``paths``, the source of ``modules`` and ``texts``; None if a path is missing.

    None lets the caller fall through to its reader, which raises its own precise error for a missing input.
    """
    digest = hashlib.sha256()
    for root in paths:
        if not root.exists():
            return None
        for name, path in _files(root):
            digest.update(f"\0file\0{name}\0".encode())
            with path.open("rb") as fh:
                for block in iter(lambda: fh.read(CHUNK), b""):  # noqa: B023 - fh is read in this iteration
                    digest.update(block)
    for module in modules:
        digest.update(f"\0module\0{module.__name__ if module else None}\0".encode())
        if module is not None:
            digest.update(inspect.getsource(module).encode())
    for text in texts:
        digest.update(b"\0text\0" + text.encode())
    return digest.hexdigest()
