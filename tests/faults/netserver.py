"""A real HTTP server on 127.0.0.1 that serves the recorded provider responses and injects scripted faults."""

from __future__ import annotations

import json
import socket
import struct
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse

from greenlm_assets.lib.catalog.leaderboard import CONTENTS_PARQUET

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
GPU = FIXTURES / "gpu_market"
HF_PATH = f"/datasets/open-llm-leaderboard/contents/resolve/main/{CONTENTS_PARQUET}"
AWS_PREFIX = "/pricing/2.0/meteredUnitMaps/ec2/USD/current/ec2-ondemand-without-sec-sel/"
AWS_FILES = {
    "US East (N. Virginia)": "aws_ec2_ondemand_us_east_1.json",
    "US West (Oregon)": "aws_ec2_ondemand_us_west_2.json",
}


@dataclass
class Fault:
    """What to do with one request: ``kind`` in status | slow | reset | truncate | truncate_eof | body | loop."""

    kind: str
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | None = None
    content_type: str | None = None


class FaultServer:
    """``script[route]`` is consumed one entry per request of that route (``None``: serve normally)."""

    def __init__(self, slow_s: float = 1.0) -> None:
        self.script: dict[str, list[Fault | None]] = {}
        self.requests: list[tuple[str, str, float, dict[str, str]]] = []  # route, path, time, headers
        self.slow_s = slow_s
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802 (http.server API)
                server.handle(self)

            def do_POST(self) -> None:  # noqa: N802
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                server.handle(self)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> FaultServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def count(self, route: str) -> int:
        return sum(r[0] == route for r in self.requests)

    def times(self, route: str) -> list[float]:
        return [t for r, _, t, _ in self.requests if r == route]

    # ------------------------------------------------------------------ recorded responses
    def recorded(self, method: str, raw_path: str) -> tuple[str, bytes, str]:
        url = urlparse(raw_path)
        path, query = unquote(url.path), parse_qs(url.query)
        if path == HF_PATH:
            return (
                "hf",
                (FIXTURES / "catalog" / "contents_sample.parquet").read_bytes(),
                "application/octet-stream",
            )
        if method == "POST" and path == "/graphql":
            return "runpod", (GPU / "runpod_gpuTypes.json").read_bytes(), "application/json"
        if path == "/api/retail/prices":
            page = 2 if query.get("$skip") == ["5"] else 1
            text = (GPU / f"azure_retail_prices_page{page}.json").read_text().replace("{base_url}", self.url)
            return "azure", text.encode(), "application/json"
        if path.startswith(AWS_PREFIX):
            location = path[len(AWS_PREFIX) :].split("/")[0]
            return "aws", (GPU / AWS_FILES[location]).read_bytes(), "application/json"
        if path == "/api/v0/bundles/":
            wanted = json.loads(query["q"][0])["gpu_name"]["eq"]
            body = (
                (GPU / "vast_bundles_h100_sxm.json").read_bytes()
                if wanted == "H100 SXM"
                else b'{"offers": []}'
            )
            return "vast", body, "application/json"
        if path == "/pricing":
            return "lambda", (GPU / "lambda_pricing.html").read_bytes(), "text/html; charset=utf-8"
        return "unknown", b"not found", "text/plain"

    def handle(self, h: BaseHTTPRequestHandler) -> None:
        route, body, ctype = self.recorded(h.command, h.path)
        self.requests.append((route, h.path, time.monotonic(), dict(h.headers)))
        queue = self.script.get(route) or []
        fault = queue.pop(0) if queue else None
        status = 404 if route == "unknown" else 200
        headers: dict[str, str] = {}
        if fault is not None:
            if fault.kind == "reset":  # RST instead of a response
                h.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                h.connection.close()
                h.close_connection = True
                return
            if fault.kind == "slow":
                time.sleep(self.slow_s)
            if fault.kind == "status":
                status, headers, body, ctype = (
                    fault.status,
                    fault.headers,
                    b'{"error": "injected"}',
                    "application/json",
                )
            if fault.kind == "body":
                body, ctype = fault.body or b"", fault.content_type or ctype
            if fault.kind == "loop":
                if route == "azure":  # the page points at itself
                    doc = json.loads(body)
                    doc["NextPageLink"] = f"{self.url}{h.path}"
                    body = json.dumps(doc).encode()
                else:  # a redirect to itself
                    status, headers, body = 302, {"Location": h.path}, b""
        h.send_response(status)
        h.send_header("Content-Type", ctype)
        for k, v in headers.items():
            h.send_header(k, v)
        if (
            fault is not None and fault.kind == "truncate_eof"
        ):  # no length: the body ends when the socket closes
            h.send_header("Connection", "close")
            h.end_headers()
            h.wfile.write(body[: len(body) // 2])
            h.close_connection = True
            return
        h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        if fault is not None and fault.kind == "truncate":  # promised N bytes, sent N/2, closed
            h.wfile.write(body[: len(body) // 2])
            h.wfile.flush()
            h.close_connection = True
            return
        h.wfile.write(body)
