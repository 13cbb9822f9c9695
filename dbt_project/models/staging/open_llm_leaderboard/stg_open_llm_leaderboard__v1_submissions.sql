with source as (
    select * from {{ source('open_llm_leaderboard_catalog', 'open_llm_leaderboard_v1') }}
),

renamed as (
    select
        fullname || '_' || precision as submission_id,
        fullname as model_id,
        model_sha,
        precision,
        type as model_type,
        weight_type,
        architecture,
        average as average_score,
        arc as arc_score,
        hellaswag as hellaswag_score,
        mmlu as mmlu_score,
        truthfulqa as truthfulqa_score,
        winogrande as winogrande_score,
        gsm8k as gsm8k_score,
        merged as is_merged,
        moe as is_moe,
        flagged as is_flagged,
        hub_license,
        hub_hearts,
        -- v1 rounds sizes to whole billions; 0 means "below 0.5 B or unknown": not a size.
        case when params_b > 0 then params_b end as params_b,
        params_b as params_b_reported,
        date as submitted_at,
        _source,
        _source_ref
    from source
)

select * from renamed
