"""Measurement campaigns: a YAML file under version control names a grid of configurations; each configuration is
one partition ("cell") of ``measurements/campaign_runs``.

A campaign file (``jobs/campaigns/<name>.yaml``)::

    name: cpu_tiny                 # the file's stem
    description: what it measures and why
    device_class: cpu              # cpu, or a GPU type (H100, H200, L4): the Ray resource accelerator_type:<X>
    cpus_per_cell: 1               # CPU cells: Ray num_cpus (recorded in each row as cpu_cores_allotted)
    protocol:                      # greenlm-bench run options shared by every cell
      prompts: squad50
      new_tokens: 64
      repeats: 5
    grid:                          # the product of these lists is the campaign's cells
      model: [smollm-135m, llama-3.2-1b]
      backend: [pytorch]
      precision: [bf16]
      batch_size: [1, 32]
    imported: [data/measurements/gpu_h200_*.jsonl]   # committed results that already belong to this campaign

A cell's key (the partition key) names everything that decides what is measured: model, backend, precision, batch,
workload (prompt set and new tokens) and device class, e.g. ``llama-3.2-1b__pytorch__bf16__b32__squad50-t64__H200``.
Two campaigns that list the same configuration share its partition, so it is measured once; they must then agree
on its protocol (:func:`load_all` refuses otherwise).
"""

from __future__ import annotations

import itertools
import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from greenlm_assets.lib import settings
from greenlm_assets.lib.paths import REPO_ROOT

PARTITIONS_NAME = "campaign_cells"
GRID_KEYS = ("model", "backend", "precision", "batch_size")
# greenlm-bench run options a protocol may set (the grid sets model/backend/precision/batch-size; the cell, --out)
PROTOCOL_OPTIONS = {
    "prompts": str, "n_prompts": int, "new_tokens": int, "max_prompt_tokens": int, "repeats": int,
    "warmup": int, "min_window_s": float, "idle_s": float, "country": str, "codecarbon": bool,
    "allow_dirty": bool, "weights": str, "cache_dir": str,
}  # fmt: skip
DEFAULT_PROTOCOL: dict[str, Any] = {"prompts": "squad50", "new_tokens": 32}
_NAME = re.compile(r"^[a-z0-9][a-z0-9_]*$")


class CampaignError(ValueError):
    """A campaign file that cannot be used, with the file and the reason."""


@dataclass(frozen=True)
class Cell:
    """One configuration of a campaign: one partition, one ``greenlm-bench run``, one row."""

    campaign: str
    model: str
    backend: str
    precision: str
    batch_size: int
    device_class: str
    cpus: int
    protocol: tuple[tuple[str, Any], ...] = field(default=())

    @property
    def device(self) -> str:
        return "cpu" if self.device_class == "cpu" else "cuda"

    @property
    def workload(self) -> str:
        p = dict(self.protocol)
        return f"{p['prompts']}-t{p['new_tokens']}"

    @property
    def key(self) -> str:
        return "__".join(
            [
                self.model,
                self.backend,
                self.precision,
                f"b{self.batch_size}",
                self.workload,
                self.device_class,
            ]
        )

    def protocol_sha(self) -> str:
        """What decides the measurement besides the key (repeats, windows, ...): two campaigns must agree on it."""
        return json.dumps(dict(self.protocol), sort_keys=True)

    def argv(self, out: str, python: str = sys.executable) -> list[str]:
        """The ``greenlm-bench run`` command line of this cell, writing its row to ``out``."""
        argv = [python, "-m", "jobs.cli", "run", "--model", self.model, "--backend", self.backend,
                "--precision", self.precision, "--batch-size", str(self.batch_size), "--device", self.device]  # fmt: skip
        for name, value in self.protocol:
            flag = "--" + name.replace("_", "-")
            if isinstance(value, bool):
                argv.append(flag if value else f"--no-{name.replace('_', '-')}")
            else:
                argv += [flag, str(value)]
        return [*argv, "--out", out]

    def ray_resources(self) -> dict[str, Any]:
        """What the cell's Ray job asks for, so that Ray places it on a node with a free matching device and never
        two measurements on one GPU: ``num_gpus=1`` plus the GPU type as the resource ``accelerator_type:<X>`` (Ray
        sets it on nodes whose GPU it detects; ``ray start --resources`` can declare it), or ``num_cpus`` for CPU
        cells (the cores the row records)."""
        if self.device_class == "cpu":
            return {"entrypoint_num_cpus": float(self.cpus)}
        return {
            "entrypoint_num_gpus": 1.0,
            "entrypoint_num_cpus": float(self.cpus),
            "entrypoint_resources": {f"accelerator_type:{self.device_class}": 0.001},
        }


@dataclass(frozen=True)
class Campaign:
    name: str
    path: Path
    description: str
    device_class: str
    cells: tuple[Cell, ...]
    imported: tuple[str, ...]

    def imported_files(self) -> list[Path]:
        return sorted({p for pattern in self.imported for p in REPO_ROOT.glob(pattern)})


def load(path: Path) -> Campaign:
    """Read and check one campaign file."""
    try:
        doc = yaml.safe_load(Path(path).read_text())
    except yaml.YAMLError as exc:
        raise CampaignError(f"{path}: not valid YAML ({exc})") from exc
    if not isinstance(doc, dict):
        raise CampaignError(f"{path}: expected a mapping")
    name = str(doc.get("name", ""))
    if name != Path(path).stem or not _NAME.match(name):
        raise CampaignError(f"{path}: 'name' must be the file's stem in [a-z0-9_] (got {name!r})")
    unknown = set(doc) - {
        "name",
        "description",
        "device_class",
        "cpus_per_cell",
        "protocol",
        "grid",
        "imported",
    }
    if unknown:
        raise CampaignError(f"{path}: unknown field(s) {sorted(unknown)}")
    device_class = str(doc.get("device_class", "cpu"))
    if not re.match(r"^[A-Za-z0-9_-]+$", device_class):
        raise CampaignError(f"{path}: device_class {device_class!r} must be cpu or a GPU type such as H100")
    cpus = doc.get("cpus_per_cell", 1)
    if not isinstance(cpus, int) or cpus < 1:
        raise CampaignError(f"{path}: cpus_per_cell must be a positive integer")
    protocol = {**DEFAULT_PROTOCOL, **(doc.get("protocol") or {})}
    for key, value in protocol.items():
        kind = PROTOCOL_OPTIONS.get(key)
        if kind is None:
            raise CampaignError(f"{path}: protocol option {key!r} unknown; valid: {sorted(PROTOCOL_OPTIONS)}")
        if not isinstance(value, kind) and not (kind is float and isinstance(value, int)):
            raise CampaignError(f"{path}: protocol option {key!r} must be {kind.__name__}")
    grid = doc.get("grid") or {}
    if set(grid) != set(GRID_KEYS):
        raise CampaignError(f"{path}: 'grid' must list exactly {list(GRID_KEYS)}")
    lists = []
    for key in GRID_KEYS:
        values = grid[key] if isinstance(grid[key], list) else [grid[key]]
        if not values:
            raise CampaignError(f"{path}: grid.{key} is empty")
        lists.append(values)
    proto = tuple(sorted(protocol.items()))
    cells = tuple(
        Cell(name, str(m), str(b), str(p), int(bs), device_class, cpus, proto)
        for m, b, p, bs in itertools.product(*lists)
    )
    keys = [c.key for c in cells]
    if len(set(keys)) != len(keys):
        raise CampaignError(f"{path}: the grid lists a configuration twice")
    imported = doc.get("imported") or []
    return Campaign(name, Path(path), str(doc.get("description", "")), device_class, cells, tuple(imported))


def campaign_files(folder: Path | None = None) -> list[Path]:
    return sorted((folder or settings.campaigns_dir()).glob("*.yaml"))


def load_all(folder: Path | None = None) -> dict[str, Campaign]:
    """Every campaign of the folder; refuses two campaigns that give one configuration different protocols."""
    campaigns = {c.name: c for c in map(load, campaign_files(folder))}
    seen: dict[str, Cell] = {}
    for campaign in campaigns.values():
        for cell in campaign.cells:
            other = seen.setdefault(cell.key, cell)
            if other.protocol_sha() != cell.protocol_sha() or other.cpus != cell.cpus:
                raise CampaignError(
                    f"configuration {cell.key} is in campaigns {other.campaign} and {cell.campaign} with different "
                    "protocols; give them the same protocol or a different workload"
                )
    return campaigns


def find_cell(key: str, folder: Path | None = None) -> Cell:
    """The cell of a partition key, from the campaign files as they are now."""
    for campaign in load_all(folder).values():
        for cell in campaign.cells:
            if cell.key == key:
                return cell
    raise CampaignError(
        f"partition {key!r} is in no campaign file under {folder or settings.campaigns_dir()}"
    )


def cell_of_row(row: dict[str, Any], device_class: str) -> str:
    """The cell key a measured row belongs to (for imported results)."""
    return "__".join(
        [str(row["model_key"]), str(row["backend"]), str(row["precision"]), f"b{row['batch_size']}",
         f"{row.get('prompt_set')}-t{row.get('new_tokens')}", device_class]
    )  # fmt: skip
