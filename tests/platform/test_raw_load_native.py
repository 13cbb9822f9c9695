"""DuckDB-native raw loads (``load_raw_csv``): row numbers in errors, equivalence with the pandas path, atomicity."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from greenlm_assets.lib.catalog.bench import generate
from greenlm_assets.lib.catalog.leaderboard import SNAPSHOT_FILES
from greenlm_assets.lib.raw_load import (
    RawLoadError,
    load_raw_csv,
    load_raw_table,
    read_csv_strict,
    stage_csv,
)

SNAPSHOTS = Path(__file__).resolve().parents[2] / "data" / "snapshots"
V2 = SNAPSHOTS / SNAPSHOT_FILES["v2"]
TABLE = "open_llm_leaderboard_v2"
ROWS = 60_000  # ~36 MB: several CSV buffers, so DuckDB scans it in parallel


@pytest.fixture(scope="module")
def big_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("native") / "board.csv"
    generate(ROWS, path)  # ids end in _<i>, i = 0..ROWS-1 in file order
    return path


def _load(con: duckdb.DuckDBPyConnection, path: Path, **kw) -> int:
    return load_raw_csv(con, TABLE, path, source="test", source_ref=str(path), **kw)


def test_row_numbers_follow_the_file_across_a_parallel_scan(big_csv: Path) -> None:
    con = duckdb.connect()
    assert stage_csv(con, big_csv, "s") == ROWS
    # _row is the file line (header = 1) of every record, not just of the first chunk.
    off = con.execute(
        "SELECT count(*) FROM s WHERE _row <> CAST(split_part(id, '_', -1) AS BIGINT) + 2"
    ).fetchone()[0]
    assert off == 0


@pytest.mark.parametrize("line", [2, 41_234, ROWS + 1])
def test_errors_name_the_file_line_of_the_bad_value(big_csv: Path, tmp_path: Path, line: int) -> None:
    lines = big_csv.read_bytes().split(b"\n")
    cells = lines[line - 1].split(b",")
    header = lines[0].split(b",")
    field = header.index(b"model_average_score")
    cells[field] = b"lots"
    lines[line - 1] = b",".join(cells)
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"\n".join(lines))
    with pytest.raises(RawLoadError) as err:
        _load(duckdb.connect(), bad)
    assert str(err.value) == (
        f"{bad}: row {line}: field 'model_average_score' = 'lots' is not a valid DOUBLE"
    )


def test_required_field_and_missing_column_messages(tmp_path: Path) -> None:
    text = V2.read_text()
    header, first, rest = text.split("\n", 2)
    model_name = header.split(",").index("model_name")
    cells = rest.split("\n", 1)[0].split(",")
    cells[model_name] = ""
    blank = tmp_path / "blank.csv"
    blank.write_text("\n".join([header, first, ",".join(cells), rest.split("\n", 1)[1]]))
    with pytest.raises(RawLoadError, match=rf"^{blank}: row 3: field 'model_name' is empty but required"):
        _load(duckdb.connect(), blank)
    with pytest.raises(RawLoadError, match=r"missing required column\(s\) \['model_name'\] for raw"):
        _load(duckdb.connect(), V2, rename={"model_name": "name"})


def test_same_table_as_the_pandas_path_on_the_shipped_v2_snapshot(tmp_path: Path) -> None:
    con = duckdb.connect(str(tmp_path / "eq.duckdb"))
    old = load_raw_table(con, TABLE, read_csv_strict(V2), source="test", source_ref="v2", key_columns=["id"])
    con.execute(f"CREATE TABLE old AS SELECT * EXCLUDE (_ingested_at) FROM raw.{TABLE}")
    new = load_raw_csv(con, TABLE, V2, source="test", source_ref="v2", key_columns=["id"])
    assert old == new == 4576
    new_rows = f"SELECT * EXCLUDE (_ingested_at) FROM raw.{TABLE}"
    for a, b in ((new_rows, "SELECT * FROM old"), ("SELECT * FROM old", new_rows)):
        assert con.execute(f"SELECT count(*) FROM ({a} EXCEPT ALL {b})").fetchone()[0] == 0
    assert con.execute("SELECT count(*) FROM duckdb_tables() WHERE temporary").fetchone()[0] == 0


def test_failure_keeps_previous_data_and_log(big_csv: Path, tmp_path: Path) -> None:
    con = duckdb.connect(str(tmp_path / "atomic.duckdb"))
    assert _load(con, V2, content_sha256="abc") == 4576
    before = con.execute(f"SELECT count(*), max(_ingested_at) FROM raw.{TABLE}").fetchone()
    log = con.execute("SELECT * FROM raw._ingest_log").fetchall()
    dup = tmp_path / "dup.csv"
    dup.write_text(V2.read_text() + V2.read_text().split("\n", 2)[1] + "\n")
    with pytest.raises(RawLoadError, match=rf"{dup}: row 4578: key \['id'\] = .* repeats row 2"):
        _load(con, dup, key_columns=["id"], content_sha256="def")
    # A failure inside the transaction (after the DELETE) rolls back too.
    with pytest.raises(duckdb.Error):
        _load(con, big_csv, replace_where="no_such_column = 1", content_sha256="ghi")
    assert con.execute(f"SELECT count(*), max(_ingested_at) FROM raw.{TABLE}").fetchone() == before
    assert con.execute("SELECT * FROM raw._ingest_log").fetchall() == log


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "file is empty"),
        (b"id,model_name\na,b", "truncated file"),
        (b"id,model_name\n\xff\xfe,b\n", "not a readable CSV"),
        (b'id,model_name\n"unterminated,b\n', "not a readable CSV"),
        (b"id,model_name\nx,y\na,b,c,d\nz,w\n", "not a readable CSV"),
        (b"id,model_name\n", "no data rows"),
    ],
    ids=["empty", "truncated", "non_utf8", "unterminated_quote", "ragged", "header_only"],
)
def test_unreadable_files_name_the_file(tmp_path: Path, content: bytes, expected: str) -> None:
    path = tmp_path / "in.csv"
    path.write_bytes(content)
    with pytest.raises(RawLoadError) as err:
        _load(duckdb.connect(), path)
    assert str(err.value).startswith(f"{path}: ") and expected in str(err.value), err.value
