with source as (
    select * from {{ source('training_footprint', 'training_footprint') }}
),

renamed as (
    select
        model as model_name,
        family,
        params_b,
        gpu_hours,
        gpu_type,
        power_w,
        energy_mwh as energy_mwh_published,
        co2_t as co2_t_published,
        training_tokens_t,
        source_url_or_path as citation,
        _source,
        _source_ref
    from source
)

select * from renamed
