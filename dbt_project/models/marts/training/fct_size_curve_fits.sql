{#
  Power-law fits y = a x^b of each size-curve metric against parameters, as least squares on ln(y) ~ ln(x),
  computed separately for SLM (params_b <= var slm_max_params_b), LLM (above) and all points together, so the
  slope below and above the boundary can be compared. Only included points (see int_size_curve_points_unioned:
  alternates, CO2 figures that contradict their energy and points of undetermined class are left out).
  Slope/intercept/r2 need n >= 2 (r2 is null when every x is the same). x = params_b: the exact count, the ACTIVE
  count for mixture-of-experts models in the per-token inference metrics (n_moe counts them per segment).
#}
with points as (
    select * from {{ ref('int_size_curve_points_unioned') }}
    where included
),

segmented as (
    select metric, unit, size_class as segment, params_b, is_moe, value from points
    union all
    select metric, unit, 'ALL' as segment, params_b, is_moe, value from points
),

fitted as (
    select
        metric,
        any_value(unit) as unit,
        segment,
        count(*) as n_points,
        count(*) filter (where is_moe) as n_moe,
        min(params_b) as min_params_b,
        max(params_b) as max_params_b,
        median(value) as median_value,
        regr_slope(ln(value), ln(params_b)) as slope,
        regr_intercept(ln(value), ln(params_b)) as intercept,
        regr_r2(ln(value), ln(params_b)) as r2
    from segmented
    group by metric, segment
),

final as (
    select
        metric,
        unit,
        segment,
        {{ var('slm_max_params_b') }} as threshold_params_b,
        n_points,
        n_moe,
        min_params_b,
        max_params_b,
        median_value,
        round(slope, 6) as slope,
        round(intercept, 6) as intercept,
        -- y = coefficient x params_b ^ slope, in the metric's unit.
        round(exp(intercept), 6) as coefficient,
        round(r2, 6) as r2
    from fitted
)

select * from final
