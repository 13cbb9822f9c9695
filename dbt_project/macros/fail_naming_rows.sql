{#
  For data tests that must fail the build naming the offending rows: ``bad_sql`` selects the rows that break the
  rule, ``label`` is a SQL expression naming one of them. With any bad row the test raises DuckDB's error() with the
  count and the names (the first 2,000 characters), so `dbt build` prints which rows broke which rule instead of a
  bare count; with none it returns no rows (passes).
#}
{% macro fail_naming_rows(bad_sql, label, what) -%}
with bad as (
    {{ bad_sql }}
),

named as (
    select count(*) as n, string_agg({{ label }}, '; ' order by {{ label }}) as rows_named from bad
)

select bad.*
from bad, named
where case
    when named.n > 0 then error(
        cast(named.n as varchar) || ' row(s) {{ what | replace("'", "''") }}: ' || left(named.rows_named, 2000)
    )
    else true
end
{%- endmacro %}
