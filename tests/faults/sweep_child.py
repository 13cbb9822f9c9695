"""Child process of the benchmark-CLI crash test: ``python -m tests.faults.sweep_child run <greenlm-bench args>``.

Runs the real ``greenlm-bench`` CLI. Once the first configuration's row is in the output file, the next measurement
window (the second configuration's) announces ``IN_WINDOW`` on stdout and parks there, so the parent can ``kill -9``
the sweep while a configuration is being measured, at a point it knows rather than after a guessed delay.
"""

from __future__ import annotations

import sys
import threading

from jobs import accounting, rows

_written = 0
_append_row, _run_window = rows.append_row, accounting.run_window


def append_row(*args, **kwargs):
    global _written
    _append_row(*args, **kwargs)
    _written += 1


def run_window(*args, **kwargs):
    if _written >= 1:
        print("IN_WINDOW", flush=True)
        threading.Event().wait()  # parked until the parent kills the process
    return _run_window(*args, **kwargs)


rows.append_row = append_row  # jobs.cli imports it when the sweep starts
accounting.run_window = run_window  # jobs.harness calls it as accounting.run_window

if __name__ == "__main__":
    from jobs.cli import app

    app(sys.argv[1:], prog_name="greenlm-bench")
