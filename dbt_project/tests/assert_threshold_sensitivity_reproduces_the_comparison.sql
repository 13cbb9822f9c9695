{#
  fct_size_class_threshold_sensitivity at the default threshold must reproduce fct_size_class_comparison (same
  points, same rule): n and medians per class and the LLM / SLM ratio. A differing metric is named.
#}
select s.metric, s.n_slm, c.n_slm as n_slm_comparison, s.n_llm, c.n_llm as n_llm_comparison,
    s.llm_to_slm_median_ratio, c.llm_to_slm_median_ratio as ratio_comparison
from {{ ref('fct_size_class_threshold_sensitivity') }} as s
full outer join {{ ref('fct_size_class_comparison') }} as c on c.metric = s.metric
where coalesce(s.is_default_threshold, true)
    and (
        s.metric is null or c.metric is null
        or s.n_slm is distinct from c.n_slm or s.n_llm is distinct from c.n_llm
        or s.llm_to_slm_median_ratio is distinct from c.llm_to_slm_median_ratio
        or abs(s.slm_median - c.slm_median) > 1e-9 * abs(c.slm_median)
        or abs(s.llm_median - c.llm_median) > 1e-9 * abs(c.llm_median)
    )
