{#
  GreenLM runs in a mart must meet the protocol (stg_benchmark_runs__runs.meets_protocol: a finished run of >= 3
  windows of >= 5 s): smoke runs and other off-protocol runs stay in staging. ``column_name`` holds the run's key,
  ``key_prefix || run_id`` (marts key GreenLM runs as 'greenlm:' || run_id).
#}
{% test only_protocol_runs(model, column_name, key_prefix='greenlm:') %}
{% set bad_sql %}
    select m.{{ column_name }} as run_key, s.min_window_s, s.repeats, s.status
    from {{ model }} as m
    inner join {{ ref('stg_benchmark_runs__runs') }} as s on m.{{ column_name }} = '{{ key_prefix }}' || s.run_id
    where not s.meets_protocol
{% endset %}
{{ fail_naming_rows(bad_sql, "run_key || ' (' || status || ', windows >= ' || min_window_s || ' s x ' || repeats || ')'",
    "off the measurement protocol (smoke or short runs) in " ~ model.identifier) }}
{% endtest %}
