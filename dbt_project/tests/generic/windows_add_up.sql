{#
  A row's recorded windows must add up to its totals: the output tokens recomputed per window (per_window) sum to
  tokens_out_total within half a token per window (old rows derive a window's tokens from its rounded figures).
  Otherwise the ratios of sums recomputed in staging would not describe the run; fails naming the row.
#}
{% test windows_add_up(model, column_name, total_column, key_column='run_id') %}
{% set bad_sql %}
    select {{ key_column }} as row_key, {{ column_name }} as from_windows, {{ total_column }} as total, n_windows
    from {{ model }}
    where figures_from_windows and abs({{ column_name }} - {{ total_column }}) > 0.5 * n_windows
{% endset %}
{{ fail_naming_rows(bad_sql, "row_key || ' (' || from_windows || ' vs ' || total || ')'",
    "whose windows do not add up to " ~ total_column ~ " in " ~ model.identifier) }}
{% endtest %}
