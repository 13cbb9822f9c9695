{#
  Provenance: a run measured on or after ``from_utc`` (when the harness started refusing dirty trees) must come
  from a clean, known commit (``column_name``, e.g. provenance_clean) unless it was measured with --allow-dirty,
  which the row records (allow_dirty) and the marts flag. Earlier rows are kept and flagged, not failed.
#}
{% test measured_from_clean_tree(model, column_name, from_utc, key_column='run_id') %}
{% set bad_sql %}
    select {{ key_column }} as row_key, git_commit, git_dirty
    from {{ model }}
    where status = 'ok' and cast(timestamp_utc as timestamp) >= cast('{{ from_utc }}' as timestamp)
        and not {{ column_name }} and not allow_dirty
{% endset %}
{{ fail_naming_rows(bad_sql, "row_key || ' (commit ' || coalesce(git_commit, 'unknown') || ', dirty '
    || coalesce(cast(git_dirty as varchar), 'unknown') || ')'",
    "measured after " ~ from_utc ~ " from a dirty or unknown tree without --allow-dirty in " ~ model.identifier) }}
{% endtest %}
