{#
  Issue 16 defect 2: one architecture never lands on both sides of the SLM/LLM boundary. Among the models GreenLM
  publishes energy for (inference runs or a training footprint), models sharing an architecture and a nominal family
  size (GemmaForCausalLM 7B: gemma-7b, codegemma-7b, ...) must share one size class (undetermined ones aside). The
  old rounded counts put codegemma-7b (7.0) among SLMs and gemma-7b (8.54) among LLMs. Failing groups are named
  with their members.
#}
select
    architecture,
    nominal_size,
    string_agg(model_key || ' ' || size_class || ' ' || round(params_b, 3), ', ' order by params_b) as members
from {{ ref('dim_models') }}
where (llm_perf_runs + ml_energy_runs > 0 or training_footprint_rows > 0)
    and architecture is not null and nominal_size is not null and size_class is not null
group by architecture, nominal_size
having count(distinct size_class) > 1
