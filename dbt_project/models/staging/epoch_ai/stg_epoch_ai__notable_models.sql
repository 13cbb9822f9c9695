with source as (
    select * from {{ source('epoch_ai_notable', 'epoch_notable_models') }}
),

renamed as (
    select
        model as model_name,
        domain,
        organization,
        publication_date,
        parameters / 1e9 as params_b,
        parameters_notes,
        training_compute_flop,
        training_compute_notes,
        training_time_hours,
        training_time_notes,
        training_hardware,
        hardware_quantity,
        hardware_utilization,
        -- Epoch's power draw is for the whole training cluster, in W.
        training_power_draw_w,
        training_compute_cost_2023_usd,
        compute_cost_notes,
        confidence,
        base_model,
        model_accessibility,
        training_compute_estimation_method,
        link,
        _source,
        _source_ref
    from source
)

select * from renamed
