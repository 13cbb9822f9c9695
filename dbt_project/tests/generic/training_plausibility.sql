{#
  Physical plausibility of published training facts (MEASUREMENT.md, "Plausibility bounds"). Each test fails the
  build naming every offending row (``key_column``) with its numbers, through macro fail_naming_rows.
#}

{#
  Average power per GPU-hour of a training run, ``column_name`` = energy / GPU-hours (W, datacentre PUE included),
  within [min_ratio, max_ratio] x ``tdp_column`` (the GPU's TDP, W). Below 0.3 x TDP a cluster would have idled
  most of the run; above 1.6 x TDP no PUE (1.1-1.6 in published runs) explains it - e.g. 356 MWh over 82,432
  A100-hours is 4,319 W, 10.8 x a 400 W A100. Rows without GPU-hours or without a known TDP (TPUs) are not checked.
#}
{% test training_w_per_gpu_within_tdp_band(model, column_name, tdp_column, key_column, min_ratio=0.3, max_ratio=1.6) %}
{% set bad_sql %}
    select
        {{ key_column }} as row_key,
        {{ column_name }} as w_per_gpu,
        {{ tdp_column }} as tdp_w
    from {{ model }}
    where {{ column_name }} is not null and {{ tdp_column }} > 0
        and ({{ column_name }} < {{ min_ratio }} * {{ tdp_column }} or {{ column_name }} > {{ max_ratio }} * {{ tdp_column }})
{% endset %}
{{ fail_naming_rows(bad_sql,
    "row_key || ' (' || round(w_per_gpu)::bigint || ' W per GPU = ' || round(w_per_gpu / tdp_w, 2) || ' x TDP '"
    ~ " || round(tdp_w)::bigint || ' W)'",
    "outside [" ~ min_ratio ~ ", " ~ max_ratio ~ "] x TDP (" ~ column_name ~ " vs " ~ tdp_column ~ ") in "
    ~ model.identifier) }}
{% endtest %}

{#
  Grid intensity implied by a published pair, ``column_name`` = tCO2e x 1e6 / (MWh x 1000) in g CO2e/kWh, within
  [min_value, max_value]. 0 is allowed (market-based accounting, renewable matching); above ~1,200 g/kWh no grid
  exists (coal-only generation is ~1,000-1,100 g/kWh), so the CO2 and the energy cannot both be right.
#}
{% test implied_grid_intensity_in_range(model, column_name, key_column, min_value=0, max_value=1200) %}
{% set bad_sql %}
    select {{ key_column }} as row_key, {{ column_name }} as g_per_kwh
    from {{ model }}
    where {{ column_name }} is not null
        and ({{ column_name }} < {{ min_value }} or {{ column_name }} > {{ max_value }})
{% endset %}
{{ fail_naming_rows(bad_sql, "row_key || ' (' || round(g_per_kwh, 1) || ' g CO2e/kWh)'",
    "with an implied grid intensity outside [" ~ min_value ~ ", " ~ max_value ~ "] g CO2e/kWh (" ~ column_name
    ~ ") in " ~ model.identifier) }}
{% endtest %}
