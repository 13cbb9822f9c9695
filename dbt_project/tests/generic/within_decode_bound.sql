{#
  Physical plausibility of a measured throughput: ``column_name`` (tokens/s) never above ``bound_column`` (the decode
  roofline bound of MEASUREMENT.md: min(batch x HBM bandwidth / weight bytes, peak FLOP/s / (2 x parameters)), which
  ignores KV-cache reads and so is an upper bound). Fails naming each row (``key_column``) with both numbers.
#}
{% test within_decode_bound(model, column_name, bound_column, key_column, tolerance=0) %}
{% set bad_sql %}
    select {{ key_column }} as row_key, {{ column_name }} as measured, {{ bound_column }} as bound
    from {{ model }}
    where {{ column_name }} > {{ bound_column }} * (1 + {{ tolerance }})
{% endset %}
{{ fail_naming_rows(bad_sql, "row_key || ' (' || round(measured, 2) || ' > bound ' || round(bound, 2) || ')'",
    "faster than the hardware bound (" ~ column_name ~ " > " ~ bound_column ~ ") in " ~ model.identifier) }}
{% endtest %}

{#
  Physical plausibility of a measured energy per token: ``column_name`` (J per output token) never below
  ``power_column`` / ``bound_column`` - the least energy per token at the measured power if the hardware ran at its
  bound. Fails naming each row with both numbers.
#}
{% test not_below_bound_energy(model, column_name, power_column, bound_column, key_column, tolerance=0) %}
{% set bad_sql %}
    select
        {{ key_column }} as row_key,
        {{ column_name }} as measured,
        {{ power_column }} / {{ bound_column }} as least_possible
    from {{ model }}
    where {{ bound_column }} > 0 and {{ power_column }} > 0
        and {{ column_name }} < {{ power_column }} / {{ bound_column }} * (1 - {{ tolerance }})
{% endset %}
{{ fail_naming_rows(bad_sql,
    "row_key || ' (' || round(measured, 5) || ' J < ' || round(least_possible, 5) || ' J at the bound)'",
    "below the bound-implied least energy per token (" ~ column_name ~ " < " ~ power_column ~ " / "
    ~ bound_column ~ ") in " ~ model.identifier) }}
{% endtest %}
