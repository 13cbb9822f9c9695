{#
  One rule everywhere (macros/size_class.sql): a model's size class is the same in every mart that carries one -
  dim_models, the inference runs (third-party rows take dim_models' class; GreenLM rows their harness count's),
  the training footprint and the memory mart (both from the seed's exact count), and the size-curve points sized
  by their total. Failing rows are named with both classes.
#}
with catalog as (
    select model_key, size_class from {{ ref('dim_models') }}
),

inference as (
    select distinct 'int_inference_runs_unioned' as model, r.model_key as row_name, r.size_class, c.size_class as expected
    from {{ ref('int_inference_runs_unioned') }} as r
    inner join catalog as c on c.model_key = r.model_key
    where r.source <> 'greenlm'
),

counts as (
    select model_key, params_b_exact from {{ ref('int_model_parameter_counts') }} where params_b_exact is not null
),

training as (
    select 'fct_training_footprint' as model, f.model_name as row_name, f.size_class,
        {{ size_class('k.params_b_exact') }} as expected
    from {{ ref('fct_training_footprint') }} as f
    inner join counts as k on k.model_key = {{ catalog_model_key('f.model_name') }}
),

memory as (
    select distinct 'fct_memory_ratios' as model, m.model_name as row_name, m.size_class,
        {{ size_class('m.params_b_exact') }} as expected
    from {{ ref('fct_memory_ratios') }} as m
    where m.params_b_exact is not null
),

curve_points as (
    select 'int_size_curve_points_unioned' as model, p.model_name as row_name, p.size_class, c.size_class as expected
    from {{ ref('int_size_curve_points_unioned') }} as p
    inner join catalog as c on c.model_key = p.model_name
    where p.params_basis = 'total' and p.included
)

select * from (
    select * from inference
    union all select * from training
    union all select * from memory
    union all select * from curve_points
)
where size_class is distinct from expected
