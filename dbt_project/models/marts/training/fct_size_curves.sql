{#
  Size curves on a log scale: each metric's included points binned into half-decades of parameters, anchored on the
  SLM/LLM threshold (var slm_max_params_b, default 7) so no bin straddles the boundary. Bin k holds
  threshold x 10^((k-1)/2) < params_b <= threshold x 10^(k/2); e.g. with 7: (2.2, 7], (7, 22.1], (22.1, 70], ...
  The threshold bin is closed on the right, like the size class (SLM means params_b <= threshold).
  params_b is each point's exact count (a mixture-of-experts model sits at its active parameters in the per-token
  inference metrics: n_moe / moe_models name them); points whose class is undetermined are not included.
#}
with points as (
    select * from {{ ref('int_size_curve_points_unioned') }}
    where included
),

binned as (
    select
        *,
        -- Rounded before ceil so that 70 / 7 = 10 lands exactly on the edge, not one ulp above it.
        cast(ceil(round(2 * log10(params_b / {{ var('slm_max_params_b') }}), 9)) as integer) as size_bin
    from points
),

final as (
    select
        metric,
        any_value(unit) as unit,
        size_bin,
        round({{ var('slm_max_params_b') }} * pow(10, (size_bin - 1) / 2.0), 3) as bin_lo_params_b,
        round({{ var('slm_max_params_b') }} * pow(10, size_bin / 2.0), 3) as bin_hi_params_b,
        round({{ var('slm_max_params_b') }} * pow(10, (size_bin - 0.5) / 2.0), 3) as bin_geo_mid_params_b,
        case when size_bin <= 0 then 'SLM' else 'LLM' end as size_class,
        count(*) as n_models,
        median(value) as median_value,
        min(value) as min_value,
        max(value) as max_value,
        string_agg(model_name, ', ' order by params_b, model_name) as models,
        count(*) filter (where is_moe) as n_moe,
        string_agg(
            model_name || ' (MoE: ' || round(active_params_b, 1) || 'B active of ' || round(params_b_total, 1)
            || 'B, at ' || params_basis || ')',
            ', ' order by params_b, model_name
        ) filter (where is_moe) as moe_models
    from binned
    group by metric, size_bin
)

select * from final
