{#
  Leaderboard quality next to energy, per model x energy source x scope x hardware x backend x precision (median over
  that group's runs, e.g. its batch sizes): "leaderboard average points per Wh per 1K output tokens"
    leaderboard_points_per_wh_per_1k_tokens = Open LLM Leaderboard v2 average / wh_per_1k_tokens
  Energy rows: every measured inference run (fct_inference_efficiency: GreenLM's harness + third parties) and
  GreenLM's quality runs (fct_quality_energy, real weights). Never across different weights silently - join_basis says:
    same_model              real weights of the leaderboard's model id
    same_model_quantized    real weights of that model in another form (GreenLM's Q4_1 GGUF of SmolLM2-135M-Instruct)
    architecture_size_only  random weights built from the model's config: the energy is the architecture's at that
                            size (within 10% of the leaderboard's parameter count), the score is the trained model's
  Scopes (gpu / machine / cpu) are separate rows, never averaged together. For GreenLM quality rows,
  squad_f1_pct / token_agreement_vs_fp32 show whether that form of the weights still answers like the original.
#}
with leaderboard as (
    select model_key, display_name, params_b, size_class, architecture, leaderboard_v2_average_score
    from {{ ref('dim_models') }}
    where leaderboard_v2_average_score is not null
),

energy_runs as (
    select
        model_key,
        source_model_id as energy_model_id,
        params_b,
        weights,
        false as is_quantized_copy,
        source as energy_source,
        energy_scope,
        null::boolean as energy_is_estimate,  -- not carried by fct_inference_efficiency
        hardware,
        backend,
        precision,
        tokens_per_s,
        wh_per_1k_tokens,
        null::double as squad_f1_pct,
        null::double as token_agreement_vs_fp32
    from {{ ref('fct_inference_efficiency') }}
    where wh_per_1k_tokens > 0

    union all

    select
        model_key,
        hf_model_id,
        params_b,
        weights,
        weights_quantization is not null,
        'greenlm_quality',
        energy_scope,
        energy_is_estimate,
        hardware,
        backend,
        precision,
        tokens_per_s,
        wh_per_1k_tokens,
        f1_pct,
        token_agreement_vs_fp32
    from {{ ref('fct_quality_energy') }}
    where status = 'ok' and wh_per_1k_tokens > 0
),

energy as (
    select
        model_key,
        energy_model_id,
        weights,
        is_quantized_copy,
        energy_source,
        energy_scope,
        hardware,
        backend,
        precision,
        max(params_b) as energy_params_b,
        bool_or(energy_is_estimate) as energy_is_estimate,
        count(*) as energy_runs,
        median(tokens_per_s) as tokens_per_s,
        median(wh_per_1k_tokens) as wh_per_1k_tokens,
        -- GreenLM quality rows only: what this form of the weights scored itself (the leaderboard scored the original)
        median(squad_f1_pct) as squad_f1_pct,
        median(token_agreement_vs_fp32) as token_agreement_vs_fp32
    from energy_runs
    group by all
),

joined as (
    select
        e.*,
        lb.display_name,
        lb.params_b,
        lb.size_class,
        lb.architecture,
        lb.leaderboard_v2_average_score,
        case
            when e.weights = 'random' then 'architecture_size_only'
            when e.is_quantized_copy then 'same_model_quantized'
            else 'same_model'
        end as join_basis
    from energy as e
    inner join leaderboard as lb
        on lb.model_key = e.model_key
        -- random weights share only the architecture: the sizes must agree too
        and (e.weights <> 'random' or abs(e.energy_params_b - lb.params_b) <= 0.1 * lb.params_b)
)

select
    model_key,
    display_name,
    size_class,
    params_b,
    architecture,
    join_basis,
    weights,
    energy_model_id,
    energy_source,
    energy_scope,
    energy_is_estimate,
    hardware,
    backend,
    precision,
    energy_runs,
    tokens_per_s,
    wh_per_1k_tokens,
    leaderboard_v2_average_score,
    leaderboard_v2_average_score / wh_per_1k_tokens as leaderboard_points_per_wh_per_1k_tokens,
    squad_f1_pct,
    token_agreement_vs_fp32
from joined
