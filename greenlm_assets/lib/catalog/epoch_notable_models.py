"""Parser of Epoch AI's notable AI models table (training compute, hardware, power, cost).

Each parser returns a frame in its raw table's column names plus ``_row``. Every value stays a source string;
types are checked by the raw table's contract at load time. Schema drift (a file without a column the contract
needs, a unit that changed) raises :class:`RawLoadError` naming the file and the column.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from greenlm_assets.lib.paths import snapshot_dir
from greenlm_assets.lib.raw_load import ROW_COLUMN, read_csv_fast, snake

EPOCH_NOTABLE_FILE = "epoch_ai/notable_ai_models_24_02_2025.csv"


def read_epoch_notable_models(path: Path | None = None) -> pd.DataFrame:
    """Every column of Epoch's notable-models table, snake-cased (``Training compute (FLOP)`` ->
    ``training_compute_flop``)."""
    path = path or snapshot_dir() / EPOCH_NOTABLE_FILE
    df = read_csv_fast(
        path, ["Model", "Parameters", "Training compute (FLOP)"], source="Epoch AI notable models"
    )
    renamed = {c: snake(c) for c in df.columns if c != ROW_COLUMN}
    return df.rename(columns=renamed)
