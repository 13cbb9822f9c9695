{#
  How the headline SLM-vs-LLM ratios move with the boundary. For each threshold of var
  size_class_sensitivity_thresholds_b (default 7, 7.5, 8 B) and each size-curve metric (training energy and CO2,
  inference Wh per 1K tokens per energy scope), the points of int_size_curve_points_unioned are classed again by the
  one rule (macros/size_class.sql) at that threshold, and the class medians and their LLM / SLM ratio recomputed
  exactly as fct_size_class_comparison does at the default threshold (its row is the is_default_threshold one).
  Points left out for any reason other than an undetermined class stay out; a point whose rounded size straddles a
  threshold is counted in n_undetermined at that threshold and left out there. models_to_llm / models_to_slm: the
  points whose class at this threshold differs from their class at var slm_max_params_b (exact count in brackets).
#}
with points as (
    select * from {{ ref('int_size_curve_points_unioned') }}
    where exclusion_reason is null or exclusion_reason = 'size_class_undetermined'
),

thresholds as (
    select unnest([{{ var('size_class_sensitivity_thresholds_b') | join(', ') }}])::double as threshold_params_b
),

classed as (
    select
        t.threshold_params_b,
        p.metric,
        p.unit,
        p.model_name,
        p.params_b,
        p.value,
        {{ size_class('p.params_b_min', 'p.params_b_max', 't.threshold_params_b') }} as size_class,
        {{ size_class('p.params_b_min', 'p.params_b_max') }} as size_class_at_default
    from points as p
    cross join thresholds as t
),

final as (
    select
        threshold_params_b,
        threshold_params_b = {{ var('slm_max_params_b') }} as is_default_threshold,
        metric,
        any_value(unit) as unit,
        count(*) filter (where size_class = 'SLM') as n_slm,
        count(*) filter (where size_class = 'LLM') as n_llm,
        count(*) filter (where size_class is null) as n_undetermined,
        median(value) filter (where size_class = 'SLM') as slm_median,
        median(value) filter (where size_class = 'LLM') as llm_median,
        round(
            median(value) filter (where size_class = 'LLM')
            / nullif(median(value) filter (where size_class = 'SLM'), 0),
            3
        ) as llm_to_slm_median_ratio,
        string_agg(model_name || ' (' || round(params_b, 3) || 'B)', ', ' order by params_b, model_name)
            filter (where size_class = 'LLM' and size_class_at_default = 'SLM') as models_to_llm,
        string_agg(model_name || ' (' || round(params_b, 3) || 'B)', ', ' order by params_b, model_name)
            filter (where size_class = 'SLM' and size_class_at_default = 'LLM') as models_to_slm
    from classed
    group by threshold_params_b, metric
)

select
    *,
    round(
        llm_to_slm_median_ratio
        / nullif(max(llm_to_slm_median_ratio) filter (where is_default_threshold) over (partition by metric), 0),
        3
    ) as ratio_vs_default_threshold
from final
