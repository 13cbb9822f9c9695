{#
  One row per ML.ENERGY configuration. Energy is GPU energy (Zeus/NVML) over all the run's GPUs: scope 'gpu'.
  J per output token: published in v3; v1/v2 publish energy per request and mean output tokens per request.
#}
with source as (
    select * from {{ source('ml_energy', 'ml_energy_runs') }}
),

renamed as (
    select
        vintage || '#' || source_file || '#' || source_row as run_id,
        vintage,
        task,
        model_id,
        nickname,
        case
            when gpu ilike '%A100%40GB%' then 'A100-40GB'
            when gpu ilike '%A100%80GB%' then 'A100-80GB'
            when gpu ilike '%H100%' then 'H100'
            else gpu
        end as hardware,
        gpu as hardware_raw,
        coalesce(num_gpus, tensor_parallel * coalesce(pipeline_parallel, 1)) as num_gpus,
        tensor_parallel,
        max_batch_size,
        avg_batch_size,
        {{ catalog_precision('weight_precision') }} as precision,
        weight_precision,
        architecture,
        total_params_b as params_b,
        activated_params_b,
        avg_output_tokens,
        energy_per_request_j,
        coalesce(
            energy_per_token_j,
            case when avg_output_tokens > 0 then energy_per_request_j / avg_output_tokens end
        ) as j_per_output_token,
        energy_per_token_j is null as j_per_output_token_derived,
        output_tokens_per_s as tokens_per_s,
        avg_power_w,
        case when vintage = 'v1_2023' then null else 'vllm' end as backend,
        _source,
        _source_ref
    from source
)

select * from renamed
