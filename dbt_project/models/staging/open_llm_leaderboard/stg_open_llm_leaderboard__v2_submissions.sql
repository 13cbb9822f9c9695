with source as (
    select * from {{ source('open_llm_leaderboard', 'open_llm_leaderboard_v2') }}
),

renamed as (
    select
        id as submission_id,
        model_name as model_id,
        model_sha,
        model_precision as precision,
        model_type,
        model_weight_type as weight_type,
        model_architecture as architecture,
        model_average_score as average_score,
        model_has_chat_template as has_chat_template,
        evaluations_ifeval_normalized_score as ifeval_score,
        evaluations_bbh_normalized_score as bbh_score,
        evaluations_math_normalized_score as math_lvl5_score,
        evaluations_gpqa_normalized_score as gpqa_score,
        evaluations_musr_normalized_score as musr_score,
        evaluations_mmlu_pro_normalized_score as mmlu_pro_score,
        features_is_merged as is_merged,
        features_is_moe as is_moe,
        features_is_flagged as is_flagged,
        features_is_official_provider as is_official_provider,
        metadata_upload_date as uploaded_on,
        metadata_submission_date as submitted_on,
        metadata_base_model as base_model_id,
        metadata_hub_license as hub_license,
        metadata_hub_hearts as hub_hearts,
        -- The board writes 0 or negative sizes when it could not read the model's parameter count: unknown.
        case when metadata_params_billions > 0 then metadata_params_billions end as params_b,
        metadata_params_billions as params_b_reported,
        -- The leaderboard reports the CO2 of running its evaluation suite, in kg.
        metadata_co2_cost * 1000 as eval_g_co2e,
        _source,
        _source_ref
    from source
)

select * from renamed
