"""The code behind the GPU figures, on CPU: the NVML meter against recorded counter readings, the RAPL meter against a
fake sysfs tree (with the counter wrap), the ratio-of-sums accounting, the roofline branch and the provenance check.

NVML: ``pynvml`` is replaced by a recorded response - an object that returns, call by call, the counter values an
H200 returned (``nvmlDeviceGetTotalEnergyConsumption``, mJ, cumulative; the window energies of the first committed
H200 row, ``data/measurements/gpu_h200_2026-11-30.jsonl`` line 1). The meter and the accounting are the real code.
"""

from __future__ import annotations

import json
import subprocess
import sys
import types
from pathlib import Path

import pytest

from jobs import accounting as acc
from jobs import provenance as prov
from jobs.energy import NvmlMeter, RaplMeter, open_meter
from jobs.harness import roofline_columns
from jobs.registry import parameter_count
from tests.conftest import repo_root

# Window energies (J) of the first committed H200 row, as the counter's deltas; the counter starts where it was.
RECORDED_WINDOW_J = (755.111, 690.359, 648.684)
COUNTER_START_MJ = 3_512_204_377


class RecordedNvml(types.ModuleType):
    """Stands in for ``pynvml``: answers with recorded counter readings, one per call, and records the handle used."""

    class NVMLError_NotSupported(Exception):  # noqa: N801 - pynvml's own name
        pass

    def __init__(self, readings_mj: list[int], supported: bool = True) -> None:
        super().__init__("pynvml")
        self.readings = list(readings_mj)
        self.supported = supported
        self.handles: list[int] = []

    def nvmlInit(self) -> None:  # noqa: N802 - pynvml's API
        pass

    def nvmlDeviceGetHandleByIndex(self, index: int) -> int:  # noqa: N802
        self.handles.append(index)
        return index

    def nvmlDeviceGetTotalEnergyConsumption(self, handle: int) -> int:  # noqa: N802
        if not self.supported:
            raise self.NVMLError_NotSupported("Not Supported")
        return self.readings.pop(0)


def _readings() -> list[int]:
    """Construction read, then the counter at the window boundaries (start, end) x 3."""
    out, now = [COUNTER_START_MJ], COUNTER_START_MJ
    for e in RECORDED_WINDOW_J:
        out.append(now)
        now += round(e * 1000)
        out.append(now)
    return out


def test_nvml_meter_turns_recorded_counter_readings_into_window_energies(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fake = RecordedNvml(_readings())
    monkeypatch.setitem(sys.modules, "pynvml", fake)
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "1")  # torch's cuda:0 is NVML's device 1 on a shared host
    meter, note = open_meter("cuda", 0)
    assert isinstance(meter, NvmlMeter) and note == "NVML total energy counter"
    assert fake.handles == [1]  # the GPU this process measures, not NVML's device 0
    ticks = iter(range(100))
    windows = [
        acc.run_window(lambda: acc.Unit(64, 128, 0.01), 0.0, meter.read_j, clock=lambda: float(next(ticks)))
        for _ in RECORDED_WINDOW_J
    ]
    assert [w.energy_j for w in windows] == pytest.approx(
        list(RECORDED_WINDOW_J), abs=1e-9
    )  # mJ -> J, deltas
    assert not fake.readings  # every recorded reading consumed: two per window, one at construction


def test_nvml_meter_without_the_counter_falls_back_with_the_reason(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pynvml", RecordedNvml([], supported=False))
    monkeypatch.delenv("CUDA_VISIBLE_DEVICES", raising=False)
    meter, note = open_meter("cuda", 0)
    assert meter is None and "NVML energy counter unavailable" in note and "Not Supported" in note


def _rapl_tree(root: Path, packages: dict[str, tuple[int, int]]) -> None:
    """``packages``: domain name -> (energy_uj, max_energy_range_uj), plus a core sub-domain that must not count."""
    for name, (energy, top) in packages.items():
        d = root / name
        d.mkdir(parents=True)
        (d / "energy_uj").write_text(f"{energy}\n")
        (d / "max_energy_range_uj").write_text(f"{top}\n")
        (d / "name").write_text("package-" + name.rsplit(":", 1)[1] + "\n")
        sub = root / f"{name}:0"
        sub.mkdir()
        (sub / "energy_uj").write_text("999999\n")
        (sub / "max_energy_range_uj").write_text(f"{top}\n")


def _set(root: Path, name: str, energy: int) -> None:
    (root / name / "energy_uj").write_text(f"{energy}\n")


def test_rapl_meter_sums_packages_and_undoes_the_counter_wrap(tmp_path: Path) -> None:
    top = 262_143_328_850  # a real max_energy_range_uj (Intel Xeon)
    _rapl_tree(tmp_path, {"intel-rapl:0": (top - 2_000_000, top), "intel-rapl:1": (5_000_000, top)})
    meter, note = open_meter("cpu", powercap=tmp_path)
    assert isinstance(meter, RaplMeter) and "RAPL package counters" in note
    assert meter.read_j() == 0.0
    _set(tmp_path, "intel-rapl:0", top - 500_000)  # +1.5 J
    _set(tmp_path, "intel-rapl:1", 6_000_000)  # +1.0 J
    assert meter.read_j() == pytest.approx(2.5)
    _set(tmp_path, "intel-rapl:0", 1_500_000)  # wrapped: +0.5 J to the top, +1.5 J after it
    _set(tmp_path, "intel-rapl:1", 6_250_000)  # +0.25 J
    assert meter.read_j() == pytest.approx(2.5 + 2.0 + 0.25)
    # the sub-domains (intel-rapl:N:M, e.g. core) never counted: changing them changes nothing
    (tmp_path / "intel-rapl:0:0" / "energy_uj").write_text("1\n")
    assert meter.read_j() == pytest.approx(4.75)


def test_no_rapl_means_an_estimate_with_the_reason(tmp_path: Path) -> None:
    meter, note = open_meter("cpu", powercap=tmp_path / "missing")
    assert meter is None and "RAPL not readable" in note and "estimate" in note


def test_row_figures_are_ratios_of_sums_with_the_windows_spread() -> None:
    """Windows of unequal length (the eager rows): the mean of per-window ratios (3.5 J/token, 75 tok/s) would
    weight the short window like the long one; the ratio of sums is 4,000 J / 1,250 tokens and 1,250 / 15 s."""
    windows = [
        acc.Window(window_s=10.0, energy_j=3000.0, tokens_out=1000, tokens_in=10, n_calls=10, prefill_s=1.0),
        acc.Window(window_s=5.0, energy_j=1000.0, tokens_out=250, tokens_in=10, n_calls=5, prefill_s=0.5),
    ]
    out = acc.aggregate_windows(windows, p_idle_w=100.0, batch_size=1)
    assert out["j_per_output_token"] == pytest.approx(3.2)
    assert out["tokens_per_s"] == pytest.approx(1250 / 15)
    assert out["avg_power_w"] == pytest.approx(4000 / 15)
    assert out["wh_per_1k_tokens"] == pytest.approx(3.2 * 1000 / 3600)
    assert out["j_per_output_token_net"] == pytest.approx((4000 - 100 * 15) / 1250)
    assert out["energy_total_j"] == 4000.0 and out["window_total_s"] == 15.0 and out["energy_j"] == 2000.0
    assert out["decode_tokens_per_s"] == pytest.approx((1250 - 15) / (15 - 1.5))
    # spread of the per-window values (3 and 4 J/token): sd 0.7071, cv sd / 3.5, interval t(0.975, 1) = 12.706
    assert out["j_per_output_token_sd"] == pytest.approx(0.5**0.5)
    assert out["j_per_output_token_cv"] == pytest.approx(0.5**0.5 / 3.5)
    half = 12.706 * 0.5**0.5 / 2**0.5
    assert (out["j_per_output_token_ci95_low"], out["j_per_output_token_ci95_high"]) == pytest.approx(
        (3.2 - half, 3.2 + half)
    )
    # no counter: no energy figure, the throughput still aggregates
    blind = acc.aggregate_windows([acc.Window(2.0, None, 20, 5, 2, 0.2)], None, 1)
    assert blind["j_per_output_token"] is None and blind["tokens_per_s"] == 10.0
    assert blind["tokens_per_s_ci95_low"] is None  # one window: no interval


def test_t_quantiles() -> None:
    assert (
        acc.t_975(0) is None and acc.t_975(1) == 12.706 and acc.t_975(4) == 2.776 and acc.t_975(100) == 1.96
    )


def test_roofline_branch_of_a_gpu_row() -> None:
    p = parameter_count("llama-3.1-8b")
    b1 = roofline_columns("NVIDIA H200", p, "bf16", 1, 120.0, 130.0)
    assert b1["bound_tokens_per_s"] == pytest.approx(4.8e12 / (p * 2.0))  # memory-bound at batch 1
    assert b1["roofline_efficiency"] == pytest.approx(120.0 / b1["bound_tokens_per_s"])
    assert b1["roofline_efficiency_decode"] == pytest.approx(130.0 / b1["bound_tokens_per_s"])
    assert b1["hbm_bytes_per_s"] == 4.8e12 and b1["hardware_catalog"]
    table = {r["nvml_pattern"]: r for r in json.loads(prov.HARDWARE_TABLE.read_text())["gpus"]}
    big = roofline_columns("NVIDIA H200", p, "bf16", 4096, 1000.0, None)  # compute-bound at a large batch
    assert big["bound_tokens_per_s"] == pytest.approx(table["H200"]["bf16_flop_s"] / (2 * p))
    assert "roofline_efficiency_decode" not in big
    fp32 = roofline_columns("NVIDIA H200", p, "fp32", 4096, 10.0, None)  # fp32 runs against the fp32 peak
    assert fp32["bound_tokens_per_s"] == pytest.approx(table["H200"]["fp32_flop_s"] / (2 * p))
    int4 = roofline_columns("NVIDIA H200", p, "int4-weight", 1, 10.0, None)  # half a byte per stored weight
    assert int4["bound_tokens_per_s"] == pytest.approx(4 * b1["bound_tokens_per_s"])
    assert roofline_columns("NVIDIA Tesla K80", p, "bf16", 1, 1.0, None) == {
        "roofline_note": "no memory bandwidth for this hardware in jobs/hardware_table.json"
    }
    assert "roofline_note" in roofline_columns("NVIDIA H200", None, "bf16", 1, 1.0, None)


# --- provenance: the commit of the whole project, and a clean tree -------------------------------------------------


def _git(root: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=root, check=True, capture_output=True, text=True).stdout


@pytest.fixture()
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    (root / "jobs").mkdir(parents=True)
    (root / "data" / "measurements").mkdir(parents=True)
    (root / "jobs" / "harness.py").write_text("x = 1\n")
    (root / "README.md").write_text("readme\n")
    (root / ".gitignore").write_text("ignored/\n")
    _git(root, "init", "-q")
    _git(root, "-c", "user.email=t@t", "-c", "user.name=t", "add", ".")
    _git(root, "-c", "user.email=t@t", "-c", "user.name=t", "commit", "-qm", "init")
    return root


def test_tree_state_covers_the_whole_project_but_not_the_output_folder(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GREENLM_GIT_COMMIT", raising=False)
    monkeypatch.delenv(prov.MANIFEST_ENV, raising=False)
    head = _git(repo, "rev-parse", "HEAD").strip()
    assert prov.tree_state(repo) == prov.TreeState(head, False, (), "git")
    (repo / "data" / "measurements" / "new.jsonl").write_text("{}\n")  # rows being written: not the code
    (repo / "ignored").mkdir()
    (repo / "ignored" / "x").write_text("x")
    assert prov.tree_state(repo).clean
    (repo / "README.md").write_text("edited\n")  # outside jobs/: the old check (jobs/ only) missed this
    (repo / "jobs" / "new_backend.py").write_text("y = 2\n")  # untracked code counts too
    state = prov.tree_state(repo)
    assert state.dirty and not state.clean
    assert state.dirty_paths == ("README.md", "jobs/new_backend.py")
    assert "differs from commit" in state.describe() and "README.md" in state.describe()


def test_declared_or_unknown_commits_are_not_clean(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(prov.MANIFEST_ENV, raising=False)
    monkeypatch.setenv("GREENLM_GIT_COMMIT", "abc123")
    state = prov.tree_state(tmp_path)
    assert state == prov.TreeState("abc123", None, (), "declared") and not state.clean
    monkeypatch.delenv("GREENLM_GIT_COMMIT")
    assert prov.tree_state(tmp_path / "not-a-repo-dir").commit is None  # no git: unknown, not clean


def test_a_copied_tree_is_checked_against_its_manifest(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GREENLM_GIT_COMMIT", raising=False)
    monkeypatch.delenv(prov.MANIFEST_ENV, raising=False)
    manifest = repo.parent / "tree.json"
    head = prov.write_manifest(manifest, repo).commit
    copy = repo.parent / "copy"
    subprocess.run(["cp", "-r", str(repo), str(copy)], check=True)
    subprocess.run(["rm", "-rf", str(copy / ".git")], check=True)  # the copy travels without its .git
    monkeypatch.setenv(prov.MANIFEST_ENV, str(manifest))
    assert prov.tree_state(copy) == prov.TreeState(head, False, (), "manifest")
    (copy / "jobs" / "harness.py").write_text("x = 2\n")
    (copy / "jobs" / "extra.json").write_text("{}")
    state = prov.tree_state(copy)
    assert state.dirty and state.dirty_paths == ("jobs/extra.json", "jobs/harness.py")
    # a copy that leaves declared input data behind (--omit) is clean; any other missing file is a difference
    (copy / "jobs" / "extra.json").unlink()
    (copy / "jobs" / "harness.py").write_text((repo / "jobs" / "harness.py").read_text())
    data = copy / "data" / "snapshots" / "big"
    data.mkdir(parents=True)
    (data / "table.csv").write_text("a\n1\n")
    subprocess.run(["cp", "-r", str(copy / "data"), str(repo)], check=True)
    _git(repo, "add", "data")
    _git(repo, "-c", "user.email=t@t", "-c", "user.name=t", "commit", "-qm", "data")
    monkeypatch.delenv(prov.MANIFEST_ENV)
    head = prov.write_manifest(manifest, repo, omit=["data/snapshots/big/"]).commit
    monkeypatch.setenv(prov.MANIFEST_ENV, str(manifest))
    (data / "table.csv").unlink()
    assert prov.tree_state(copy) == prov.TreeState(head, False, (), "manifest")
    (data / "table.csv").write_text("a\n2\n")  # present: still checked
    assert prov.tree_state(copy).dirty_paths == ("data/snapshots/big/table.csv",)
    (data / "table.csv").unlink()
    (copy / "README.md").unlink()
    assert prov.tree_state(copy).dirty_paths == ("README.md",)
    monkeypatch.delenv(prov.MANIFEST_ENV)
    for bad in ("jobs", "data/snapshots/tokenizers", "data/snapshots", "README.md"):
        with pytest.raises(RuntimeError, match="refusing to omit"):
            prov.write_manifest(manifest, repo, omit=[bad])
    monkeypatch.setenv(prov.MANIFEST_ENV, str(manifest))
    # a manifest is written from a clean tree only
    (repo / "README.md").write_text("edited\n")
    monkeypatch.delenv(prov.MANIFEST_ENV)
    with pytest.raises(RuntimeError, match="refusing to write a manifest"):
        prov.write_manifest(manifest, repo)


def test_the_cli_refuses_a_dirty_tree_unless_allowed(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from jobs.cli import app

    dirty = prov.TreeState("abc123", True, ("jobs/harness.py",), "git")
    monkeypatch.setattr(prov, "git_state", lambda: dirty)
    out = tmp_path / "rows.jsonl"
    args = ["run", "--model", "smollm-135m", "--n-prompts", "1", "--new-tokens", "2", "--max-prompt-tokens", "8",
            "--repeats", "1", "--warmup", "0", "--min-window-s", "0", "--idle-s", "0", "--no-codecarbon",
            "--out", str(out)]  # fmt: skip
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 2 and "jobs/harness.py" in res.output and "--allow-dirty" in res.output
    assert not out.exists()
    res = CliRunner().invoke(app, [*args, "--allow-dirty"])
    assert res.exit_code == 0, res.output
    assert "--allow-dirty" in res.output
    row = json.loads(out.read_text().splitlines()[0])
    assert row["allow_dirty"] is True and row["status"] == "ok"


def test_committed_rows_recompute_the_ratio_of_sums_from_their_windows() -> None:
    """The committed rows carry what staging needs: per-window energies and durations that add up to the totals."""
    n = 0
    for path in sorted((repo_root() / "data" / "measurements").glob("*.jsonl")):
        for line in path.read_text().splitlines():
            r = json.loads(line)
            if r["status"] != "ok":
                continue
            per = json.loads(r["per_window"])
            assert len(per) == len(r["windows_s"]) == r["repeats"]
            tokens = sum(w["tokens_per_s"] * s for w, s in zip(per, r["windows_s"], strict=True))
            assert tokens == pytest.approx(r["tokens_out_total"], rel=1e-3)
            n += 1
    assert n > 100
