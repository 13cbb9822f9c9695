{#
  The seed study's SmolLM-135M table (seed seed_smollm_study) cell by cell against GreenLM's SmolLM-135M runs, on
  MATCHING scopes. The study's energy is CodeCarbon's machine total (GPU counter + CPU and RAM estimates, one run on
  Google Colab); GreenLM publishes a narrower scope (GPU rows: the NVML counter; CPU rows: CodeCarbon's CPU estimate
  without its RAM share), so the like-for-like figure adds back what the row carries from CodeCarbon:
    greenlm_j_per_token_machine = j_per_output_token (published scope)
                                  + codecarbon RAM share / tokens          (every row)
                                  + codecarbon host-CPU share / tokens     (GPU rows: the study's GPU cells include it)
  CO2 for both at the South Carolina intensity the study's own numbers imply (kg CO2e / Wh, mean over its cells,
  ~349 g/kWh, labelled derived). Each cell is matched to one GreenLM configuration (match CTE): the same one where
  GreenLM ran it, else the nearest (said so), else none ("not run").
#}
with study as (
    select * from {{ ref('seed_smollm_study') }}
),

-- GreenLM's configuration for each of the study's cells, and how close it is.
match as (
    select * from (values
        ('cpu_hf_none', 'cpu', 'pytorch', 'fp32', 'same configuration',
         'Hugging Face transformers generate, fp32, batch 1, on a 2-vCPU Xeon VM'),
        ('gpu_hf_none', 'cuda', 'pytorch', 'bf16', 'nearest configuration',
         'GreenLM ran no fp32 GPU row: Hugging Face generate in bf16 (half the bytes per weight of the study''s '
         || 'presumed fp32, transformers'' default dtype), batch 1'),
        ('gpu_hf_static_8bit', 'cuda', 'quanto', 'int8-weight', 'not run',
         'GreenLM measured 8-bit GPU weights (quanto, torchao) on Llama 3.2 1B and Llama 3.1 8B only, not on SmolLM-135M'),
        ('gpu_hf_static_16bit', 'cuda', 'pytorch', 'bf16', 'nearest configuration',
         'Hugging Face generate in bf16 (the study: 16-bit, presumably fp16 - the same bytes per weight), batch 1'),
        ('cpu_onnx_none', 'cpu', 'onnxruntime', 'fp32', 'same configuration',
         'ONNX Runtime through optimum, fp32, batch 1, on a 2-vCPU Xeon VM'),
        ('cpu_onnx_dynamic_16bit', 'cpu', 'onnxruntime', 'int8-dynamic', 'nearest configuration',
         'GreenLM''s ONNX dynamic quantisation is 8-bit (optimum ORTQuantizer); it ran no 16-bit ONNX row')
    ) as m (cell_key, greenlm_device, greenlm_backend, greenlm_precision, match_kind, match_note)
),

runs as (
    select *
    from {{ ref('stg_benchmark_runs__runs') }}
    where model_key = 'smollm-135m' and status = 'ok' and meets_protocol and is_current and batch_size = 1
    -- one run per configuration: the latest when a configuration was measured with several answer lengths
    qualify row_number() over (partition by device, backend, precision order by timestamp_utc desc) = 1
),

grid as (
    -- The intensity the study's own numbers imply (kg/Wh x 1e6 = g/kWh), per cell and averaged: "derived".
    select avg(kg_co2e_per_token / wh_per_token * 1e6) as south_carolina_g_co2e_per_kwh_derived from study
),

joined as (
    select
        s.cell_key,
        s.device as study_device,
        s.framework as study_framework,
        s.quantization as study_quantization,
        m.match_note,
        r.run_id as greenlm_run_id,
        case when r.run_id is null then 'not run' else m.match_kind end as match_kind,
        case
            when r.run_id is null then null
            when r.backend = 'pytorch-cudagraph' then 'GreenLM''s own decoding loop (PyTorch)'
            when r.backend like 'onnxruntime%' then 'ONNX Runtime'
            else 'Hugging Face transformers generate (PyTorch)'
        end as greenlm_framework,
        r.precision as greenlm_precision,
        r.batch_size as greenlm_batch_size,
        r.new_tokens as greenlm_new_tokens,
        coalesce(r.gpu_name, r.cpu_model) as greenlm_hardware,
        r.cpu_cores as greenlm_cpu_cores,
        r.p_idle_w as greenlm_p_idle_w,
        r.energy_scope as greenlm_published_scope,
        r.energy_source as greenlm_energy_source,
        s.wh_per_token as study_wh_per_token,
        s.s_per_token as study_s_per_token,
        s.kg_co2e_per_token as study_kg_co2e_per_token,
        s.kg_co2e_per_token / s.wh_per_token * 1e6 as study_implied_g_co2e_per_kwh,
        s.wh_per_token * 3600 / s.s_per_token as study_implied_machine_w,
        r.j_per_output_token as greenlm_j_per_token_published,
        coalesce(r.codecarbon_ram_energy_kwh, 0) * 3.6e6 / r.tokens_out_total as greenlm_ram_j_per_token,
        case
            when r.device = 'cuda' then coalesce(r.codecarbon_cpu_energy_kwh, 0) * 3.6e6 / r.tokens_out_total
            when r.device = 'cpu' then 0
        end as greenlm_host_cpu_j_per_token,
        case when r.run_id is not null then r.codecarbon_ram_energy_kwh is not null end
            as greenlm_row_carries_ram_share,
        1.0 / r.tokens_per_s as greenlm_s_per_token,
        g.south_carolina_g_co2e_per_kwh_derived
    from study as s
    inner join match as m on m.cell_key = s.cell_key
    left join runs as r
        on r.device = m.greenlm_device and r.backend = m.greenlm_backend and r.precision = m.greenlm_precision
    cross join grid as g
),

compared as (
    select
        *,
        greenlm_j_per_token_published + greenlm_ram_j_per_token + greenlm_host_cpu_j_per_token
            as greenlm_j_per_token_machine
    from joined
)

select
    cell_key,
    study_device,
    study_framework,
    study_quantization,
    match_kind,
    match_note,
    greenlm_run_id,
    greenlm_framework,
    greenlm_precision,
    greenlm_batch_size,
    greenlm_new_tokens,
    greenlm_hardware,
    greenlm_cpu_cores,
    greenlm_p_idle_w,
    greenlm_published_scope,
    greenlm_energy_source,
    greenlm_row_carries_ram_share,
    study_wh_per_token,
    greenlm_j_per_token_published / 3600 as greenlm_wh_per_token_published,
    greenlm_ram_j_per_token / 3600 as greenlm_ram_wh_per_token,
    greenlm_host_cpu_j_per_token / 3600 as greenlm_host_cpu_wh_per_token,
    greenlm_j_per_token_machine / 3600 as greenlm_wh_per_token_machine,
    greenlm_j_per_token_machine / 3600 / study_wh_per_token as wh_ratio_greenlm_to_study,
    study_s_per_token,
    greenlm_s_per_token,
    greenlm_s_per_token / study_s_per_token as s_ratio_greenlm_to_study,
    study_implied_machine_w,
    greenlm_j_per_token_machine / greenlm_s_per_token as greenlm_implied_machine_w,
    study_kg_co2e_per_token,
    study_implied_g_co2e_per_kwh,
    south_carolina_g_co2e_per_kwh_derived,
    greenlm_j_per_token_machine / 3600 / 1000 * south_carolina_g_co2e_per_kwh_derived / 1000
        as greenlm_kg_co2e_per_token,
    (greenlm_j_per_token_machine / 3600 / 1000 * south_carolina_g_co2e_per_kwh_derived / 1000)
        / study_kg_co2e_per_token as co2_ratio_greenlm_to_study,
    case
        when greenlm_run_id is null then match_note
        when study_device = 'cpu' then
            'Both CPU figures come from CodeCarbon on a 2-vCPU Xeon VM (GreenLM''s has no RAPL: CPU power is '
            || 'estimated, RAM power from installed memory), so energy = estimated power x time. The study''s figures '
            || 'imply about '
            || cast(round(study_implied_machine_w) as bigint) || ' W, GreenLM''s '
            || cast(round(greenlm_j_per_token_machine / greenlm_s_per_token) as bigint)
            || ' W (CPU + RAM share added back); GreenLM also generates in '
            || cast(round(100 * greenlm_s_per_token / study_s_per_token) as bigint)
            || ' % of the study''s time per token. One run of the study, no interval.'
        else
            'GPU: ' || greenlm_hardware || ' (GreenLM) vs NVIDIA T4 (the study). At batch 1 Hugging Face generate '
            || 'waits on Python, so the GPU mostly idles - this one at ' || cast(round(greenlm_p_idle_w) as bigint)
            || ' W with the model loaded (p_idle_w), where a T4 is a 70-W card; the host''s CPU and RAM estimates ('
            || greenlm_cpu_cores || ' cores here, 2 vCPUs on Colab) are added to GreenLM''s counter to match the '
            || 'study''s CodeCarbon total. Machine power about '
            || cast(round(greenlm_j_per_token_machine / greenlm_s_per_token) as bigint) || ' W vs '
            || cast(round(study_implied_machine_w) as bigint) || ' W.'
    end as why_differs
from compared
