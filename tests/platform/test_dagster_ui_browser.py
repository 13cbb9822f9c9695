"""The Dagster UI itself in a real browser, the way a new user meets GreenLM: `dagster dev` on a project built here.

``dagster dev -w workspace.yaml`` (webserver + daemon, the project's ``dagster.yaml``) runs on 127.0.0.1 on a free
port with its own DuckDB file, chart folder and DAGSTER_HOME under pytest's tmp. Debian's Chromium, driven by
Playwright (``executable_path``, no browser download), opens the global lineage, clicks "Materialize all" there
(every asset; the live-only GPU scrape is an external asset offline and is left out) and then on the ``publish``
group's lineage, waits for both runs to succeed and checks the Runs page says so; opens a chart asset and sees its
image decode; opens a mart and sees its row count (the same as DuckDB's) and its columns with their dbt
descriptions. Any console error, page error or failed run fails the test. Screenshots are kept under the test's
tmp folder (``GREENLM_UI_SCREENSHOTS`` copies them elsewhere, e.g. to refresh ``docs/figures/``).
CI installs the browser (``apt-get install -y chromium``); without it the test fails, loudly.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import httpx
import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, expect, sync_playwright

from tests.conftest import repo_root
from tests.fixtures.chromium import chromium_binary
from tests.platform.test_asset_metadata import DAGSTER_DBT_OBJECTS

pytestmark = [pytest.mark.slow, pytest.mark.timeout(1500)]

REPO = repo_root()
DAGSTER = REPO / ".venv" / "bin" / "dagster"
STARTUP_TIMEOUT_S = 240.0  # code location load (dbt manifest, ~100 assets) on a 2-core CI runner
RUN_TIMEOUT_S = 600.0  # the whole graph is ~90 s on a quiet laptop; CI runners are slower
UI_TIMEOUT_MS = 60_000
GROUP = (
    "report"  # the report domain (the page, the seed-study marts and charts): inputs exist once all has run
)
CHART = "charts/gpu_rental_prices"
MART = "marts/fct_gpu_rental_prices"
FINISHED = {"SUCCESS", "FAILURE", "CANCELED"}
expect.set_options(timeout=UI_TIMEOUT_MS)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class DagsterDev:
    base: str
    proc: subprocess.Popen
    log: Path
    db: Path
    shots: Path
    launched: dict[str, str] = field(default_factory=dict)  # what was clicked -> run id

    def graphql(self, query: str, variables: dict | None = None) -> dict[str, Any]:
        resp = httpx.post(
            f"{self.base}/graphql", json={"query": query, "variables": variables or {}}, timeout=30
        )
        resp.raise_for_status()
        body = resp.json()
        assert "errors" not in body, body["errors"]
        return body["data"]

    def poll(self, what: str, ready: Callable[[], Any], timeout_s: float) -> Any:
        """Poll ``ready`` until it returns something truthy; between polls wait on the server process, so that a
        crashed ``dagster dev`` fails at once with its log instead of timing out."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            try:
                if result := ready():
                    return result
            except httpx.TransportError:
                pass  # not listening yet
            try:
                self.proc.wait(timeout=1.0)
            except subprocess.TimeoutExpired:
                continue
            pytest.fail(
                f"dagster dev exited ({self.proc.returncode}) while waiting for {what}:\n{self.tail()}"
            )
        pytest.fail(f"timed out after {timeout_s:.0f} s waiting for {what}:\n{self.tail()}")

    def tail(self, n: int = 60) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-n:])

    def runs(self) -> list[dict[str, Any]]:
        data = self.graphql(
            "{ runsOrError { ... on Runs { results { runId status assetSelection { path } "
            "tags { key value } } } } }"
        )
        return data["runsOrError"]["results"]

    def wait_for_runs_to_finish(self) -> list[dict[str, Any]]:
        """Every run (the clicked ones and any the automation sensor started) finished."""
        return self.poll(
            "every run to finish",
            lambda: (runs := self.runs()) and all(r["status"] in FINISHED for r in runs) and runs,
            RUN_TIMEOUT_S,
        )


@pytest.fixture(scope="module")
def dagster_dev(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DagsterDev]:
    root = tmp_path_factory.mktemp("dagster_ui")
    home = root / "dagster_home"
    home.mkdir()
    shutil.copy(REPO / ".dagster_home" / "dagster.yaml", home / "dagster.yaml")  # the project's instance
    env = {
        **os.environ,
        "DAGSTER_HOME": str(home),
        "GREENLM_DUCKDB_PATH": str(root / "greenlm.duckdb"),
        "GREENLM_CHARTS_DIR": str(root / "charts"),
        "GREENLM_REPORT_DIR": str(root / "report"),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "DAGSTER_DISABLE_TELEMETRY": "1",
    }
    env.pop("GREENLM_LIVE", None)  # an offline machine
    port = free_port()
    log = root / "dagster_dev.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            [str(DAGSTER), "dev", "-w", "workspace.yaml", "-h", "127.0.0.1", "-p", str(port)],
            cwd=REPO,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: the webserver, daemon and code server stop with it
        )
    server = DagsterDev(
        base=f"http://127.0.0.1:{port}", proc=proc, log=log, db=root / "greenlm.duckdb", shots=root / "shots"
    )
    server.shots.mkdir()
    try:
        server.poll(
            "the code location 'greenlm' to load", lambda: _location_loaded(server), STARTUP_TIMEOUT_S
        )
        server.poll("the daemon", lambda: _daemon_healthy(server), STARTUP_TIMEOUT_S)
        server.graphql("mutation { setNuxSeen }")  # the one-time "join the community" dialog
        yield server
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        if target := os.environ.get("GREENLM_UI_SCREENSHOTS"):
            shutil.copytree(server.shots, target, dirs_exist_ok=True)


def _location_loaded(server: DagsterDev) -> bool:
    data = server.graphql(
        "{ workspaceOrError { ... on Workspace { locationEntries { name loadStatus "
        "locationOrLoadError { __typename ... on PythonError { message } } } } } }"
    )
    entries = {e["name"]: e for e in data["workspaceOrError"]["locationEntries"]}
    assert list(entries) == ["greenlm"], f"code locations: {list(entries)}"
    entry = entries["greenlm"]
    if entry["loadStatus"] != "LOADED":
        return False
    assert entry["locationOrLoadError"]["__typename"] == "RepositoryLocation", entry["locationOrLoadError"]
    return True


def _daemon_healthy(server: DagsterDev) -> bool:
    data = server.graphql(
        "{ instance { daemonHealth { allDaemonStatuses { daemonType healthy required } } } }"
    )
    statuses = data["instance"]["daemonHealth"]["allDaemonStatuses"]
    return all(s["healthy"] for s in statuses if s["required"])


@dataclass
class Console:
    errors: list[str] = field(default_factory=list)

    def attach(self, page: Page) -> Page:
        page.on("console", self._on_console)
        page.on("pageerror", lambda exc: self.errors.append(f"page error: {exc}"))
        return page

    def _on_console(self, msg: ConsoleMessage) -> None:
        if msg.type == "error":
            self.errors.append(f"console error at {msg.location.get('url', '?')}: {msg.text}")


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=chromium_binary(), args=["--no-sandbox", "--disable-gpu"])
        yield b
        b.close()


@pytest.fixture()
def page(browser: Browser) -> Iterator[tuple[Page, Console]]:
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    context.set_default_timeout(UI_TIMEOUT_MS)
    console = Console()
    yield console.attach(context.new_page()), console
    context.close()
    assert not console.errors, "\n".join(console.errors)


def materialize_all_from(server: DagsterDev, page: Page, path: str, shot: str) -> str:
    """Open a lineage page, click its "Materialize all", and return the id of the run the UI launched."""
    before = {r["runId"] for r in server.runs()}
    page.goto(server.base + path)
    button = page.get_by_role("button", name="Materialize all", exact=False).first
    expect(button).to_be_enabled()
    page.screenshot(path=server.shots / shot)
    button.click()
    expect(page.get_by_text("Launched run")).to_be_visible()
    new = server.poll("the launched run", lambda: [r for r in server.runs() if r["runId"] not in before], 60)
    assert len(new) == 1, f"one click launched {len(new)} runs: {new}"
    return new[0]["runId"]


@pytest.fixture(scope="module")
def materialized(dagster_dev: DagsterDev, browser: Browser) -> DagsterDev:
    """ "Materialize all" on the global lineage, then on the publish group's lineage, each to success."""
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    context.set_default_timeout(UI_TIMEOUT_MS)
    console = Console()
    page = console.attach(context.new_page())
    server = dagster_dev
    server.launched["global lineage"] = materialize_all_from(server, page, "/asset-groups", "lineage.png")
    server.wait_for_runs_to_finish()
    server.launched[f"group {GROUP}"] = materialize_all_from(
        server, page, f"/locations/greenlm/asset-groups/{GROUP}", "group_lineage.png"
    )
    runs = server.wait_for_runs_to_finish()
    context.close()
    failed = [r for r in runs if r["status"] != "SUCCESS"]
    assert not failed, f"runs did not succeed: {failed}\n{server.tail()}"
    assert not console.errors, "\n".join(console.errors)
    return server


def test_materialize_all_from_lineage_and_group_succeeds_in_the_runs_page(
    materialized: DagsterDev, page: tuple[Page, Console]
) -> None:
    server, (pg, _) = materialized, page
    runs = {r["runId"]: r for r in server.runs()}
    whole = {tuple(k["path"]) for k in runs[server.launched["global lineage"]]["assetSelection"]}
    group = {tuple(k["path"]) for k in runs[server.launched[f"group {GROUP}"]]["assetSelection"]}
    assert ("raw", "gpu_price_scrape") not in whole  # live only: an external asset offline
    assert ("raw", "gpu_price_observations") in whole and ("report", "greenlm_report") in whole
    # the group is the domain, across layers: its seeds, marts and charts, and the report page; no raw table
    assert {("report", "greenlm_report"), ("charts", "seed_studies_side_by_side")} <= group, group
    assert ("marts", "fct_seed_study_comparison") in group and not any(k[0] == "raw" for k in group), group
    pg.goto(server.base + "/runs")
    for run_id in server.launched.values():
        expect(pg.get_by_role("link", name=f"run {run_id[:8]}", exact=True)).to_be_visible()
    # Every run listed (the clicked ones and any the automation sensor started) shows the success icon.
    expect(pg.get_by_role("img", name="run_success", exact=True)).to_have_count(len(runs))
    expect(pg.get_by_role("img", name="run_failure", exact=True)).to_have_count(0)
    pg.screenshot(path=server.shots / "runs.png")


def test_chart_asset_page_shows_its_image(materialized: DagsterDev, page: tuple[Page, Console]) -> None:
    server, (pg, _) = materialized, page
    pg.goto(f"{server.base}/assets/{CHART}")
    # The metadata row "chart" holds the image as markdown, behind the UI's "[Show Markdown]" link.
    pg.get_by_role("row").filter(has=pg.get_by_role("cell", name="chart", exact=True)).get_by_text(
        "[Show Markdown]"
    ).first.click()
    image = pg.locator("img[src^='data:image/png']").first
    expect(image).to_be_visible()
    size = image.evaluate("img => img.decode().then(() => [img.naturalWidth, img.naturalHeight])")
    assert size[0] > 200 and size[1] > 100, f"chart image decoded to {size}"
    image.scroll_into_view_if_needed()
    pg.screenshot(path=server.shots / "chart_asset.png")


def test_mart_page_shows_row_count_and_described_columns(
    materialized: DagsterDev, page: tuple[Page, Console]
) -> None:
    server, (pg, _) = materialized, page
    schema, table = MART.split("/")
    with duckdb.connect(str(server.db), read_only=True) as con:
        rows = con.execute(f'SELECT count(*) FROM "{schema}"."{table}"').fetchone()[0]
    manifest = json.loads((REPO / "dbt_project" / "target" / "manifest.json").read_text())
    node = next(n for n in manifest["nodes"].values() if n["resource_type"] == "model" and n["name"] == table)
    columns = {name: c["description"] for name, c in node["columns"].items()}
    assert columns and all(columns.values()), f"{MART}: undocumented columns in its YAML: {columns}"
    pg.goto(f"{server.base}/assets/{MART}")
    expect(pg.get_by_text("Row count", exact=False).first).to_be_visible()
    expect(pg.get_by_text("source: gpu_prices", exact=True).first).to_be_visible()  # its tag (lib/tags.py)
    expect(pg.get_by_text(f"{rows:,}", exact=True).first).to_be_visible()
    for name, description in columns.items():
        expect(pg.get_by_text(name, exact=True).first).to_be_attached()
        expect(pg.get_by_text(description.strip().split("\n")[0][:60], exact=False).first).to_be_attached()
    # dagster-dbt keeps three Python objects (manifest wrapper, translator, project) in every dbt asset's definition
    # metadata; the UI can only show them as "[Class] (unserializable)" (tests/platform/test_asset_metadata.py). Exactly
    # those may be: any other entry, a new one of GreenLM's or another of dagster-dbt's, fails.
    # A row's cells: the key, when it was last updated, the value.
    for row in pg.get_by_role("row").filter(has_text="(unserializable)").all():
        cells = [c.strip() for c in row.inner_text().split("\n") if c.strip()]
        key, value = cells[0], cells[-1]
        assert key in DAGSTER_DBT_OBJECTS, row.inner_text()
        assert value == f"[{DAGSTER_DBT_OBJECTS[key]}] (unserializable)", row.inner_text()
    pg.screenshot(path=server.shots / "mart_asset.png", full_page=True)
