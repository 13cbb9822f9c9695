{#
  SLM vs LLM per size-curve metric: medians, their ratio, and the fitted log-log slopes below and above the
  boundary (var slm_max_params_b) with their difference.
#}
with fits as (
    select * from {{ ref('fct_size_curve_fits') }}
),

final as (
    select
        metric,
        any_value(unit) as unit,
        any_value(threshold_params_b) as threshold_params_b,
        max(n_points) filter (where segment = 'SLM') as n_slm,
        max(n_points) filter (where segment = 'LLM') as n_llm,
        max(median_value) filter (where segment = 'SLM') as slm_median,
        max(median_value) filter (where segment = 'LLM') as llm_median,
        round(
            max(median_value) filter (where segment = 'LLM') / nullif(max(median_value) filter (where segment = 'SLM'), 0),
            3
        ) as llm_to_slm_median_ratio,
        max(slope) filter (where segment = 'SLM') as slope_slm,
        max(slope) filter (where segment = 'LLM') as slope_llm,
        round(max(slope) filter (where segment = 'LLM') - max(slope) filter (where segment = 'SLM'), 6)
            as slope_change_at_boundary
    from fits
    group by metric
)

select * from final
