"""Retry waits for the live HTTP clients that honour a server's ``Retry-After`` on 429/503 (RFC 9110 §10.2.3)."""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import httpx
from tenacity import RetryCallState
from tenacity.wait import wait_base

MAX_RETRY_AFTER_S = 120.0  # a hostile or broken Retry-After must not park a run for hours


def retry_after_s(response: httpx.Response) -> float | None:
    """Seconds the server asked us to wait (delta-seconds or HTTP-date), or None."""
    value = response.headers.get("Retry-After", "").strip()
    if not value:
        return None
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


class wait_retry_after(wait_base):  # noqa: N801 (tenacity's naming of wait strategies)
    """The longer of ``fallback`` (e.g. exponential backoff) and the server's Retry-After, capped."""

    def __init__(self, fallback: wait_base, max_s: float = MAX_RETRY_AFTER_S) -> None:
        self.fallback = fallback
        self.max_s = max_s

    def __call__(self, retry_state: RetryCallState) -> float:
        wait = self.fallback(retry_state)
        exc = retry_state.outcome.exception() if retry_state.outcome else None
        if isinstance(exc, httpx.HTTPStatusError):
            asked = retry_after_s(exc.response)
            if asked is not None:
                wait = max(wait, min(asked, self.max_s))
        return wait
