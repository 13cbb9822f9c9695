"""The report page in a real browser: headless Chromium (Debian's ``chromium``) over the DevTools protocol.

Chromium is started with a throw-away profile and ``--remote-debugging-port=0``; the test reads the port from the
profile's ``DevToolsActivePort`` file, opens ``data/report/index.html`` (the fixture's copy), waits for the load
event, then asks the page itself whether every image decoded (``naturalWidth > 0``), collects console errors and
takes a screenshot. CI installs the browser (``apt-get install -y chromium``); without it the test fails, loudly.
"""

from __future__ import annotations

import base64
import io
import itertools
import json
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest
from matplotlib import image as mpimg
from websockets.sync.client import ClientConnection, connect

from greenlm_assets.lib.charts import CHARTS
from tests.fixtures.chromium import chromium_binary

CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--remote-debugging-port=0",
    "--remote-allow-origins=*",
)
VIEWPORT = (1280, 1600)
TIMEOUT_S = 30.0


@dataclass
class PageVisit:
    """What the browser saw: the page's images, console/log errors and a PNG screenshot."""

    images: list[dict] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    screenshot: bytes = b""
    title: str = ""
    seed_studies: dict = field(default_factory=dict)


class DevTools:
    """A minimal Chrome DevTools Protocol client: one browser websocket, flat sessions, events kept for later."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self.ids = itertools.count(1)
        self.events: list[dict] = []

    def call(self, method: str, session: str | None = None, **params: object) -> dict:
        msg_id = next(self.ids)
        msg: dict = {"id": msg_id, "method": method, "params": params}
        if session:
            msg["sessionId"] = session
        self.ws.send(json.dumps(msg))
        while True:
            reply = json.loads(self.ws.recv(timeout=TIMEOUT_S))
            if reply.get("id") == msg_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self.events.append(reply)

    def wait_for(self, method: str) -> None:
        deadline = time.monotonic() + TIMEOUT_S
        while not any(e.get("method") == method for e in self.events):
            self.events.append(json.loads(self.ws.recv(timeout=max(deadline - time.monotonic(), 0.1))))


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevTools]:
    binary = chromium_binary()
    profile = tmp_path_factory.mktemp("chromium-profile")
    proc = subprocess.Popen(
        [binary, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "about:blank"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        port_file = profile / "DevToolsActivePort"
        deadline = time.monotonic() + TIMEOUT_S
        while not (port_file.exists() and len(port_file.read_text().split()) == 2):
            assert proc.poll() is None, f"{binary} exited with {proc.returncode} before opening DevTools"
            assert time.monotonic() < deadline, f"{binary} did not open DevTools within {TIMEOUT_S:.0f} s"
            time.sleep(0.05)
        port, path = port_file.read_text().split()
        with connect(f"ws://127.0.0.1:{port}{path}", max_size=None, open_timeout=TIMEOUT_S) as ws:
            yield DevTools(ws)
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def visit(devtools: DevTools, page: Path) -> PageVisit:
    """Open ``page`` in a fresh tab, wait for load, read the images' state and take a screenshot."""
    target = devtools.call("Target.createTarget", url="about:blank")["targetId"]
    session = devtools.call("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
    for domain in ("Page", "Runtime", "Log"):
        devtools.call(f"{domain}.enable", session=session)
    width, height = VIEWPORT
    devtools.call(
        "Emulation.setDeviceMetricsOverride",
        session=session,
        width=width,
        height=height,
        deviceScaleFactor=1,
        mobile=False,
    )
    devtools.events.clear()
    devtools.call("Page.navigate", session=session, url=page.resolve().as_uri())
    devtools.wait_for("Page.loadEventFired")
    state = devtools.call(
        "Runtime.evaluate",
        session=session,
        expression="({title: document.title, images: Array.from(document.images).map(i => ("
        "{src: i.getAttribute('src'), complete: i.complete, naturalWidth: i.naturalWidth})), "
        # The seed-studies section as laid out: its tables and the rendered width of their "why" column.
        "seed: (s => s ? {height: s.offsetHeight, tables: s.querySelectorAll('table.seed-study').length, "
        "whyWidths: Array.from(s.querySelectorAll('table.seed-study tr:first-child th:last-child'))"
        ".map(th => th.getBoundingClientRect().width)} : null)(document.getElementById('seed-studies'))})",
        returnByValue=True,
    )["result"]["value"]
    shot = devtools.call("Page.captureScreenshot", session=session, format="png")
    devtools.call("Target.closeTarget", targetId=target)
    return PageVisit(
        images=state["images"],
        errors=console_errors(devtools.events),
        screenshot=base64.b64decode(shot["data"]),
        title=state["title"],
        seed_studies=state["seed"] or {},
    )


def console_errors(events: list[dict]) -> list[str]:
    """Errors the page produced: console.error, uncaught exceptions, failed loads (Log domain, level error)."""
    errors = []
    for event in events:
        method, params = event.get("method"), event.get("params", {})
        if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
            errors.append(
                "console: " + " ".join(str(a.get("value", a.get("description"))) for a in params["args"])
            )
        elif method == "Runtime.exceptionThrown":
            errors.append("exception: " + params["exceptionDetails"].get("text", ""))
        elif method == "Log.entryAdded" and params["entry"].get("level") == "error":
            entry = params["entry"]
            errors.append(f"log: {entry.get('text')} {entry.get('url', '')}".strip())
    return errors


def test_browser_check_sees_a_broken_image_and_a_console_error(browser: DevTools, tmp_path: Path) -> None:
    """The checks below can fail: a page with a missing image and a console.error is caught."""
    page = tmp_path / "broken.html"
    page.write_text('<html><body><img src="missing.png"><script>console.error("boom")</script></body></html>')
    seen = visit(browser, page)
    assert [img["naturalWidth"] for img in seen.images] == [0]
    assert any("boom" in e for e in seen.errors)
    assert any("missing.png" in e for e in seen.errors)


def test_report_page_loads_every_image_without_errors_in_chromium(browser: DevTools, platform: dict) -> None:
    page = platform["report"] / "index.html"
    seen = visit(browser, page)
    assert seen.title.startswith("GreenLM report")
    assert seen.errors == []
    assert len(seen.images) == len(CHARTS)
    not_loaded = [img["src"] for img in seen.images if not (img["complete"] and img["naturalWidth"] > 0)]
    assert not_loaded == []
    # The seed-studies section renders its tables (7 figures with study values + the SmolLM table), and the column
    # that says why the study and GreenLM differ is wide enough to read (CSS min-width 22rem = 352 px).
    seed = seen.seed_studies
    assert seed and seed["height"] > 1000 and seed["tables"] == 8
    assert min(seed["whyWidths"]) >= 300, seed["whyWidths"]
    shot_path = platform["root"] / "report_screenshot.png"
    shot_path.write_bytes(seen.screenshot)
    pixels = mpimg.imread(io.BytesIO(seen.screenshot), format="png")
    assert pixels.shape[:2] == (VIEWPORT[1], VIEWPORT[0])
    # Non-trivial: a blank or error page is one or two colours; the report's text, tables and charts are many.
    colours = np.unique((pixels[..., :3] * 255).astype(np.uint8).reshape(-1, 3), axis=0)
    assert len(colours) > 200, f"screenshot {shot_path} looks blank ({len(colours)} colours)"
    assert float(pixels[..., :3].std()) > 0.05
