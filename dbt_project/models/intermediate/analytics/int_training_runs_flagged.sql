{#
  Every training-footprint row, flagged so that each model counts once in curves and ratios. Some models have
  several published accountings (GPT-3: Patterson 2021 and Luccioni Table 4; BLOOM: Luccioni 2022 and 2025). The
  primary accounting of a (family, params_b) is the row with the shortest name: alternates carry their source in
  parentheses ("GPT-3 175B (Luccioni Table 4)"). Alternates stay visible, they are just not counted twice.
  A post-trained derivative that repeats its parent's pretraining figures (is_independent_pretraining_run = false:
  Llama 3.3 70B, seed training_run_lineage) is visible too, but not a second run: counts_in_aggregates is what
  medians, ratios and fits filter on (primary accounting of an independent pretraining run).
#}
with footprint as (
    select * from {{ ref('fct_training_footprint') }}
),

ranked as (
    select
        *,
        row_number() over (
            partition by family, params_b order by length(model_name), model_name
        ) as accounting_rank,
        count(*) over (partition by family, params_b) as n_accountings
    from footprint
),

final as (
    select
        model_name,
        family,
        params_b,
        size_class,
        energy_mwh,
        energy_derived,
        co2_t,
        co2_energy_consistent,
        training_tokens_t,
        citation,
        accounting_rank = 1 as is_primary_accounting,
        n_accountings,
        is_independent_pretraining_run,
        pretraining_run_of,
        accounting_rank = 1 and is_independent_pretraining_run as counts_in_aggregates
    from ranked
)

select * from final
