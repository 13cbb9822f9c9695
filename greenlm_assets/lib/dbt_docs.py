"""What the Dagster UI says about dbt models and tests: plain descriptions, the SQL kept as metadata, and a
sentence per dbt test saying what it guards (its YAML ``description`` when it has one)."""

from collections.abc import Mapping
from typing import Any

import dagster as dg

GENERIC_TESTS = {
    "not_null": "every row has a value in `{column}` (NULL fails the build)",
    "unique": "no two rows share the same `{column}`",
    "accepted_values": "`{column}` only takes the values {values}",
    "relationships": "every `{column}` exists in {to} (`{field}`): no orphan keys",
}


def model_description(props: Mapping[str, Any]) -> str:
    """The model's YAML description only; dagster-dbt would otherwise append the raw SQL to it."""
    text = (props.get("description") or "").strip()
    return (
        text
        or f"dbt {props.get('resource_type', 'model')} `{props.get('name')}` (no description in its YAML)."
    )


def raw_sql_metadata(props: Mapping[str, Any]) -> dict[str, dg.MetadataValue]:
    """The SQL stays reachable on the asset's page (metadata ``raw_sql``), not as its description."""
    sql = (props.get("raw_code") or props.get("raw_sql") or "").strip()
    return {"raw_sql": dg.MetadataValue.md(f"```sql\n{sql}\n```")} if sql else {}


def test_description(test: Mapping[str, Any], model: str) -> str:
    """What a dbt data test guards, in words: its own YAML description, else one built from its kind and args."""
    if text := (test.get("description") or "").strip():
        return text
    meta = test.get("test_metadata") or {}
    name = meta.get("name") or test.get("name", "test")
    kwargs = meta.get("kwargs") or {}
    column = test.get("column_name") or kwargs.get("column_name") or ""
    template = GENERIC_TESTS.get(name)
    if template:
        what = template.format(
            column=column,
            values=kwargs.get("values"),
            to=str(kwargs.get("to", "")).replace("{{ ", "").replace(" }}", ""),
            field=kwargs.get("field"),
        )
    else:
        args = {k: v for k, v in kwargs.items() if k not in ("model", "column_name")}
        on = f" on `{column}`" if column else ""
        what = f"generic test `{name}`{on}" + (f" with {args}" if args else "") + " (tests/generic/)"
        if not meta:
            what = f"singular test `{name}` (dbt_project/tests/): the query returns the offending rows"
    return f"{model}: {what}. Fails the dbt build and names the failing rows."
