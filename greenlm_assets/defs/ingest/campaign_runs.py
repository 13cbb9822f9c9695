"""Measurement campaigns as Dagster partitions: ``measurements/campaign_runs``, one dynamic partition per
configuration ("cell") of the campaign files under ``jobs/campaigns/`` (``greenlm_assets/lib/campaigns.py``).

A campaign is a backfill of this asset; re-measuring one cell is materializing its partition again. Each
materialization runs ``greenlm-bench run`` for its cell and **appends** the row it measured to the cell's JSONL
file under ``GREENLM_CAMPAIGN_RUNS_DIR`` (one file per cell, never overwritten); ``raw/benchmark_runs`` loads those
files with the committed ones, and staging's ``is_current`` picks the latest row of a configuration.

Where the measurement runs:

- ``GREENLM_RAY_ADDRESS`` set (or ``ray_address`` in the run config): the cell is a Ray job submitted through
  dagster-ray's ``PipesRayJobClient``. The job asks Ray for the cell's device (``Cell.ray_resources``: one GPU of
  the cell's type, or N CPUs), so Ray places it on a node with a free matching device and never runs two
  measurements on one GPU. The harness reports through Dagster Pipes (logs, metadata, and its row as a custom
  message); only this step, on the orchestrator, writes, so DuckDB keeps a single writer.
- otherwise: a local subprocess through ``PipesSubprocessClient``, one local measurement at a time on this machine.

A failed measurement (the harness refusing, a node lost twice) fails the partition with the reason and writes
nothing. A cell whose Ray node died under it is retried once (``dg.RetryRequested``: the same run, a new step
attempt and Ray job), so Ray places it on a node that is still alive; a harness failure is not retried (it would
fail the same way).
A campaign launch (``greenlm campaign launch``) passes ``launch_rows``, the rows the cell had when it was launched:
when another launch measured the cell meanwhile, the step says so and measures nothing, so two launches at once
measure each configuration once.
"""

import fcntl
import hashlib
import json
import os
import shlex
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import dagster as dg
from pydantic import Field

from greenlm_assets.lib import campaigns, settings
from greenlm_assets.lib.paths import REPO_ROOT
from jobs.rows import append_row, read_rows

campaign_cells = dg.DynamicPartitionsDefinition(name=campaigns.PARTITIONS_NAME)


class CampaignRunConfig(dg.Config):
    ray_address: str | None = Field(
        default=None, description="Ray job server URL; default GREENLM_RAY_ADDRESS, unset: local subprocess"
    )
    launch_rows: int | None = Field(
        default=None,
        description="set by `greenlm campaign launch`: the cell's row count at launch; if it grew meanwhile "
        "(another launch measured it), nothing is measured again",
    )


class CampaignMeasurementError(Exception):
    """A cell that was not measured, with the reason (a lost node, an unreachable head, a harness refusal)."""


class CampaignNodeLost(CampaignMeasurementError):
    """The Ray node that ran the cell's job is no longer alive: the measurement may succeed on another node."""


NODE_LOSS_RETRIES = 1


def cell_file(key: str) -> Path:
    return settings.campaign_runs_dir() / f"{key}.jsonl"


def cell_rows(key: str) -> list[dict[str, Any]]:
    path = cell_file(key)
    return read_rows(path) if path.exists() else []


@contextmanager
def _flock(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _rows_from(invocation: dg.PipesClientCompletedInvocation) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for message in invocation.get_custom_messages():
        if isinstance(message, dict) and isinstance(message.get("rows"), list):
            rows.extend(message["rows"])
    return rows


def _ray_submission_id(key: str, launch_rows: int | None, attempt: int = 0) -> str:
    """A launch's job id is fixed by the cell, its row count at launch and the step attempt: Ray refuses a second
    job of that id, so two launches (even from two machines) cannot both measure the cell, nor both retry it. A
    plain re-measure gets a fresh id."""
    where = str(settings.campaign_runs_dir())  # the cell's rows file: another platform's cell is another cell
    digest = hashlib.sha256(f"{where}\0{key}".encode()).hexdigest()[:16]
    suffix = f"r{launch_rows}" if launch_rows is not None else uuid.uuid4().hex[:8]
    return f"greenlm-{digest}-{suffix}" + (f"-a{attempt}" if attempt else "")


def _thread_env(cell: campaigns.Cell) -> dict[str, str]:
    """A CPU cell's threads: the cores Ray reserved for it (recorded in the row as cpu_cores_allotted)."""
    if cell.device_class != "cpu":
        return {}
    return {"OMP_NUM_THREADS": str(cell.cpus), "MKL_NUM_THREADS": str(cell.cpus)}


def _measure_on_ray(
    context: dg.AssetExecutionContext, cell: campaigns.Cell, address: str, launch_rows: int | None
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    from dagster_ray import PipesRayJobClient
    from ray.job_submission import JobSubmissionClient

    try:
        jobs = JobSubmissionClient(address=address)
    except Exception as exc:  # ConnectionError, or Ray's own when the dashboard answers badly
        raise CampaignMeasurementError(
            f"Ray head unreachable at {address} ({type(exc).__name__}: {str(exc).splitlines()[0][:200]}); "
            f"cell {cell.key} not measured, nothing written"
        ) from exc
    submission_id = _ray_submission_id(cell.key, launch_rows, context.retry_number)
    out = f"/tmp/greenlm-campaign/{submission_id}.jsonl"
    env = {
        "PYTHONPATH": settings.python_path_with(REPO_ROOT),
        "PYTHONUNBUFFERED": "1",
        "TOKENIZERS_PARALLELISM": "false",
    }
    env |= _thread_env(cell)
    entrypoint = f"cd {shlex.quote(str(REPO_ROOT))} && exec " + shlex.join(
        cell.argv(out, python=sys.executable)
    )
    client = PipesRayJobClient(address=address, poll_interval=0.5, timeout=600)
    client.client = jobs  # type: ignore[misc]  # the checked connection (cached_property)
    params: dict[str, Any] = {
        "entrypoint": entrypoint,
        "submission_id": submission_id,
        "runtime_env": {"env_vars": env},
        "metadata": {"greenlm_cell": cell.key, "greenlm_campaign": cell.campaign},
        **cell.ray_resources(),
    }
    try:
        invocation = client.run(context=context, submit_job_params=params)  # type: ignore[arg-type]
    except RuntimeError as exc:
        info = _job_info(jobs, submission_id)
        if "already exists" in str(exc):
            raise CampaignMeasurementError(
                f"cell {cell.key}: Ray job {submission_id} already exists (another launch is measuring it); "
                "not measured twice, nothing written"
            ) from exc
        lost = _node_lost(address, info)
        raise (CampaignNodeLost if lost else CampaignMeasurementError)(
            f"cell {cell.key}: Ray job {submission_id} failed on node {info.get('node') or '?'}"
            f"{' (node lost)' if lost else ''}: {(info.get('message') or str(exc)).splitlines()[0]}; no row written"
        ) from exc
    info = _job_info(jobs, submission_id)
    rows, source = collect_rows(
        _rows_from(invocation), Path(out), lambda: jobs.get_job_logs(submission_id),
        f"cell {cell.key}: Ray job {submission_id} finished on node {info.get('node') or '?'}",
    )  # fmt: skip
    return rows, {"ray_job_id": submission_id, "ray_node_id": info.get("node"),
                  "ray_address": address, "rows_from": source}  # fmt: skip


def collect_rows(
    pipes_rows: list[dict[str, Any]], row_file: Path, fetch_logs: Callable[[], str], what: str
) -> tuple[list[dict[str, Any]], str]:
    """A finished job's rows and where they came from: its Pipes messages (dagster-ray reads them from the job's
    log as it runs); else the harness's own row file, when this step shares the node's filesystem (one machine);
    else the job's whole log fetched once more (a job on another node can end before its last lines reach the
    tail). A log the Ray dashboard cannot serve (its agent on the job's node has no HTTP address, as on a host
    whose Ray advertises an address it does not serve) is a clear failure, not an empty result."""
    if pipes_rows:
        return pipes_rows, "pipes"
    if row_file.is_file():
        rows = read_rows(row_file)
        if rows:
            return rows, "row_file"
    try:
        logs = fetch_logs()
    except Exception as exc:  # ray.dashboard's SDK raises RuntimeError with the HTTP status and body
        raise CampaignMeasurementError(
            f"{what}, but its log cannot be read through the Ray dashboard "
            f"({type(exc).__name__}: {' '.join(str(exc).split())[:300]}); the Pipes messages that carry its row "
            f"travel in that log, and the harness's row file {row_file} is not on this machine; no row written"
        ) from exc
    return _rows_from_logs(logs), "job_log"


def _rows_from_logs(logs: str) -> list[dict[str, Any]]:
    """The rows of the Pipes custom messages in a finished job's whole log: dagster-ray tails a live job's log, and
    a job on another node can end before its last lines reach the tail."""
    rows: list[dict[str, Any]] = []
    for line in logs.splitlines():
        if not line.startswith("{") or "report_custom_message" not in line:
            continue
        try:
            message = json.loads(line)
        except json.JSONDecodeError:
            continue
        payload = (message.get("params") or {}).get("payload")
        if message.get("method") == "report_custom_message" and isinstance(payload, dict):
            rows.extend(payload.get("rows") or [])
    return rows


# How long a job whose harness was killed by a signal waits for Ray to report the node's death (a raylet killed
# with its processes: the job can fail on the harness's signal before the head has marked the node dead).
NODE_DEATH_GRACE_S = 20.0


def _node_lost(address: str, info: dict[str, Any]) -> bool:
    """Whether the job failed because its node went away, so that another node may measure the cell: Ray says its
    supervisor actor died (it runs on the job's node), or the harness died of a signal and Ray then reports the
    node dead. A harness that exited with an error on a live node is not a lost node."""
    if info.get("error_type") == "JOB_SUPERVISOR_ACTOR_DIED" or "Job supervisor actor died" in info.get(
        "message", ""
    ):
        return True
    node, code = info.get("node"), info.get("exit_code")
    if not node or code is None or code >= 0:
        return False
    deadline = time.monotonic() + NODE_DEATH_GRACE_S
    while _node_alive(address, node):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.5)  # polling Ray's view of the node, bounded by the deadline
    return True


def _node_alive(address: str, node_id: str) -> bool:
    """Whether Ray still lists the node as alive (an unanswerable head counts as alive: no retry on a guess)."""
    from ray.util.state import list_nodes

    try:
        return any(n.node_id == node_id and n.state == "ALIVE" for n in list_nodes(address=address))
    except Exception:
        return True


def _job_info(jobs: Any, submission_id: str) -> dict[str, Any]:
    try:
        details = jobs.get_job_info(submission_id)
    except Exception:  # the job may not exist (refused submission) or the head may be gone
        return {}
    error_type = getattr(details.error_type, "value", details.error_type)
    return {"node": details.driver_node_id, "message": (details.message or "").strip(),
            "error_type": error_type, "exit_code": details.driver_exit_code}  # fmt: skip


_LOCAL_LOCK = "local_measurement.lock"


def _measure_locally(
    context: dg.AssetExecutionContext, cell: campaigns.Cell, pipes: dg.PipesSubprocessClient
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    out = settings.campaign_runs_dir() / ".work" / f"{cell.key}.{uuid.uuid4().hex[:8]}.jsonl"
    out.parent.mkdir(parents=True, exist_ok=True)
    env = {"PYTHONPATH": settings.python_path_with(REPO_ROOT), **_thread_env(cell)}
    # one local measurement at a time on this machine: two would share its CPU (or GPU) during their windows
    with _flock(settings.campaign_runs_dir() / _LOCAL_LOCK):
        try:
            invocation = pipes.run(command=cell.argv(str(out)), context=context, cwd=str(REPO_ROOT), env=env)
        except dg.DagsterPipesExecutionError as exc:
            raise CampaignMeasurementError(
                f"cell {cell.key}: greenlm-bench failed ({exc}); no row written"
            ) from exc
    out.unlink(missing_ok=True)
    return _rows_from(invocation), {
        "ray_job_id": None,
        "ray_node_id": None,
        "ray_address": None,
        "rows_from": "pipes",
    }


@dg.asset(
    key=["measurements", "campaign_runs"],
    partitions_def=campaign_cells,
    kinds={"python", "ray"},
    # no pool: not a DuckDB writer (it appends JSONL; raw/benchmark_runs writes DuckDB), and its cells run at once,
    # Ray (or, locally, one lock per machine) giving each its own device
    metadata={"greenlm/duckdb": "none"},
    description="One measured configuration of a campaign (jobs/campaigns/*.yaml) per partition, on Ray "
    "(GREENLM_RAY_ADDRESS) or locally; each materialization appends its row for raw.benchmark_runs.",
)
def campaign_runs(
    context: dg.AssetExecutionContext,
    config: CampaignRunConfig,
    pipes_subprocess_client: dg.PipesSubprocessClient,
) -> dg.MaterializeResult:
    key = context.partition_key
    try:
        cell = campaigns.find_cell(key)
    except campaigns.CampaignError as exc:
        raise dg.Failure(str(exc)) from exc
    address = config.ray_address or settings.ray_address()
    # one step per cell at a time on this orchestrator: a second launch of the cell waits here, then sees the row
    with _flock(settings.campaign_runs_dir() / ".locks" / f"{key}.lock"):
        before = len(cell_rows(key))
        if config.launch_rows is not None and before > config.launch_rows:
            context.log.info(f"{key}: measured by another launch since this one started; not measured again")
            return dg.MaterializeResult(
                metadata={"measured": False, "rows_in_cell": before, "reason": "measured by another launch"}
            )
        try:
            if address:
                rows, where = _measure_on_ray(context, cell, address, config.launch_rows)
            else:
                rows, where = _measure_locally(context, cell, pipes_subprocess_client)
        except CampaignNodeLost as exc:
            if context.retry_number < NODE_LOSS_RETRIES:
                context.log.warning(f"{exc}; retrying the cell on a node that is alive")
                raise dg.RetryRequested(max_retries=NODE_LOSS_RETRIES) from exc
            raise dg.Failure(f"{exc} (after {context.retry_number} retry)") from exc
        except CampaignMeasurementError as exc:
            raise dg.Failure(str(exc)) from exc
        if not rows:
            raise dg.Failure(f"cell {key}: the harness reported no row through Pipes; nothing written")
        failed = [r for r in rows if r.get("status") != "ok"]
        if failed:
            raise dg.Failure(
                f"cell {key}: greenlm-bench failed: {failed[0].get('failure_reason')}; nothing written"
            )

        extra = {
            "campaign": cell.campaign,
            "campaign_cell": key,
            "ray_job_id": where["ray_job_id"],
            "ray_node_id": where["ray_node_id"],
            "hostname": None if address else os.uname().nodename,
            "cpu_cores_allotted": cell.cpus if cell.device_class == "cpu" else None,
        }
        for row in rows:
            append_row(cell_file(key), {**row, **extra})
    row = rows[0]
    return dg.MaterializeResult(
        metadata={
            "measured": True,
            "tokens_per_s": row.get("tokens_per_s"),
            "j_per_output_token": row.get("j_per_output_token"),
            "tokens_per_s_cv": row.get("tokens_per_s_cv"),
            "device": row.get("gpu_name")
            or f"{row.get('cpu_model')} ({cell.cpus} of {row.get('cpu_cores')} cores)",
            "node": where["ray_node_id"] or os.uname().nodename,
            "ray_job_id": where["ray_job_id"] or "",
            "rows_from": where["rows_from"],
            "run_id": row.get("run_id"),
            "rows_in_cell": before + len(rows),
            "cell_file": str(cell_file(key)),
        }
    )


def register(instance: dg.DagsterInstance, campaign: campaigns.Campaign) -> list[str]:
    """Add the campaign's cells as partitions (idempotent); return the keys that were new."""
    keys = [c.key for c in campaign.cells]
    have = set(instance.get_dynamic_partitions(campaigns.PARTITIONS_NAME))
    new = [k for k in keys if k not in have]
    if new:
        instance.add_dynamic_partitions(campaigns.PARTITIONS_NAME, new)
    return new


@dg.sensor(
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Adds the cells of every campaign file under jobs/campaigns/ as partitions of "
    "measurements/campaign_runs (a new or edited campaign appears in the UI; launching it is a backfill).",
)
def campaign_partitions_sensor(context: dg.SensorEvaluationContext) -> dg.SensorResult | dg.SkipReason:
    try:
        every = campaigns.load_all()
    except campaigns.CampaignError as exc:
        return dg.SkipReason(f"campaign files not usable: {exc}")
    have = set(context.instance.get_dynamic_partitions(campaigns.PARTITIONS_NAME))
    new = sorted({c.key for camp in every.values() for c in camp.cells} - have)
    if not new:
        return dg.SkipReason("every campaign cell is registered")
    return dg.SensorResult(dynamic_partitions_requests=[campaign_cells.build_add_request(new)])
