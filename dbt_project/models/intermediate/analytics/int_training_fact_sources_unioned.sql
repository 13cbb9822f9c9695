{#
  Every source of every training fact, one row per (subject model, source), wide: params_b, gpu_hours, energy_mwh,
  co2_t. The subject is the primary footprint row of a model (int_training_runs_flagged); its sources are
    footprint_primary    the primary row itself (model card or paper, raw.training_footprint);
    footprint_alternate  another accounting of the same model in raw.training_footprint ("GPT-3 175B (Luccioni...)");
    derivative_card      a post-trained derivative's card that repeats this run's pretraining (Llama 3.3 70B for
                         Llama 3.1 70B, seed training_run_lineage);
    epoch_ai             Epoch AI's notable-models record (via int_training_facts_compared: GPU-hours = training
                         time x hardware quantity; energy = whole-cluster power draw x time);
    second_source        a figure of seed training_fact_second_sources (the seed article, papers that recompute).
  Nothing is averaged: marts.fct_training_fact_ranges and fct_training_fact_disagreements compare the rows.
#}
with flagged as (
    select * from {{ ref('int_training_runs_flagged') }}
),

footprint as (
    select * from {{ ref('fct_training_footprint') }}
),

subjects as (
    -- each footprint row -> the primary row of its (family, params_b) group
    select
        f.model_name,
        first_value(f.model_name) over (
            partition by f.family, f.params_b order by (not f.is_primary_accounting), length(f.model_name), f.model_name
        ) as subject_model_name,
        f.is_primary_accounting
    from flagged as f
),

footprint_rows as (
    select
        s.subject_model_name,
        case when s.is_primary_accounting then 'footprint_primary' else 'footprint_alternate' end as source_kind,
        case when s.is_primary_accounting then 'footprint' else 'footprint_alternate:' || fp.model_name end
            as source_key,
        fp.model_name as source_label,
        fp.params_b,
        fp.gpu_hours,
        fp.energy_mwh,
        fp.energy_derived,
        fp.co2_t,
        case
            when fp.energy_derived
                then 'Energy derived by GreenLM: published GPU-hours x the ' || format('{:g}', fp.power_w)
                    || ' W per GPU the source prints; CO2 as published'
            else 'Figures as published'
        end as assumption,
        null::varchar as read_from,
        fp.citation
    from footprint as fp
    inner join subjects as s on fp.model_name = s.model_name
),

derivative_rows as (
    select
        fp.pretraining_run_of as subject_model_name,
        'derivative_card' as source_kind,
        'derivative_card:' || fp.model_name as source_key,
        fp.model_name || ' card (a derivative of this run)' as source_label,
        fp.params_b,
        fp.gpu_hours,
        fp.energy_mwh,
        fp.energy_derived,
        fp.co2_t,
        'The derivative card repeats this pretraining run''s figures (seed training_run_lineage)' as assumption,
        null::varchar as read_from,
        fp.citation
    from footprint as fp
    where fp.pretraining_run_of is not null
),

epoch_rows as (
    select
        c.model_name as subject_model_name,
        'epoch_ai' as source_kind,
        'epoch_ai' as source_key,
        'Epoch AI: ' || c.epoch_model_name as source_label,
        c.params_b_epoch as params_b,
        c.gpu_hours_epoch as gpu_hours,
        c.energy_mwh_epoch as energy_mwh,
        false as energy_derived,
        null::double as co2_t,
        'GPU-hours = training time x hardware quantity; energy = Epoch''s whole-cluster power draw (servers, network, '
            || 'datacentre overhead) x training time; no CO2' as assumption,
        'secondary' as read_from,
        'Epoch AI notable AI models (raw.epoch_notable_models): ' || c.epoch_model_name
            || coalesce(' - ' || c.epoch_link, '') as citation
    from {{ ref('int_training_facts_compared') }} as c
    inner join subjects as s on c.model_name = s.model_name and s.is_primary_accounting
    where c.epoch_model_name is not null
),

seed_rows as (
    select
        model_name as subject_model_name,
        'second_source' as source_kind,
        source_key,
        source_label,
        null::double as params_b,
        gpu_hours,
        energy_mwh,
        false as energy_derived,
        co2_t,
        assumption,
        read_from,
        citation
    from {{ ref('training_fact_second_sources') }}
),

unioned as (
    select * from footprint_rows
    union all
    select * from derivative_rows
    union all
    select * from epoch_rows
    union all
    select * from seed_rows
)

select
    *,
    source_kind = 'footprint_primary' as is_primary_source
from unioned
