{#
  One row per LLM-Perf benchmark row. Energy is CodeCarbon's machine estimate (cpu + ram + gpu): scope 'machine'.
  j_per_output_token comes from the decode phase: 3.6e6 J/kWh / (decode tokens per kWh).
#}
with source as (
    select * from {{ source('llm_perf', 'llm_perf_runs') }}
),

renamed as (
    select
        source_file || '#' || config_name || '#' || model_id as run_id,
        source_file,
        model_id,
        backend_name as backend,
        backend_version,
        subset,
        machine,
        -- "['NVIDIA A100-SXM4-80GB']" -> 'A100-80GB'; CPU machines are named by the instance ('CPU 32vCPU C7i').
        case
            when gpu is null and backend_hardware like '%-cpu' then 'CPU ' || replace(machine, '-', ' ')
            when gpu ilike '%A100%80GB%' then 'A100-80GB'
            when gpu ilike '%A100%40GB%' then 'A100-40GB'
            when gpu ilike '%A10G%' then 'A10G'
            when gpu ilike '%T4%' then 'T4'
            else regexp_replace(gpu, '[\[\]'']', '', 'g')
        end as hardware,
        gpu as hardware_raw,
        coalesce(gpu_count, 0) as gpu_count,
        torch_dtype,
        case
            when subset = 'bnb' and json_extract_string(quantization_config, '$.load_in_4bit') = 'True' then 'int4'
            when subset = 'bnb' and json_extract_string(quantization_config, '$.load_in_8bit') = 'True' then 'int8'
            when subset = 'gptq' then 'int' || json_extract_string(quantization_config, '$.bits')
            when subset = 'torchao' then regexp_extract(json_extract_string(quantization_config, '$.quant_type'), '^(int[0-9]+)', 1)
            else {{ catalog_precision('torch_dtype') }}
        end as precision,
        case
            when quantization_scheme is null then 'none'
            when subset = 'bnb' and json_extract_string(quantization_config, '$.load_in_4bit') = 'True' then 'bnb-4bit'
            when subset = 'bnb' then 'bnb-8bit'
            when subset = 'gptq' then 'gptq-' || json_extract_string(quantization_config, '$.bits') || 'bit'
            when subset = 'torchao' then 'torchao-' || json_extract_string(quantization_config, '$.quant_type')
            else quantization_scheme
        end as quantization,
        quantization_config,
        batch_size,
        sequence_length,
        max_new_tokens,
        decode_throughput_tokens_s as tokens_per_s,
        case when decode_efficiency_tokens_per_kwh > 0 then 3.6e6 / decode_efficiency_tokens_per_kwh end
            as j_per_output_token,
        decode_energy_total_kwh,
        decode_energy_gpu_kwh,
        decode_max_allocated_mb,
        traceback is not null or decode_efficiency_tokens_per_kwh is null as is_failed,
        'optimum-benchmark ' || coalesce(optimum_benchmark_version, '?') as source_vintage,
        _source,
        _source_ref
    from source
)

select * from renamed
