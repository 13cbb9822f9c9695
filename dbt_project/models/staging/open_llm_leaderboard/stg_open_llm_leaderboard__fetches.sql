{# One row per fetch of each board, newest first; is_latest marks the fetch the marts read. #}
with source as (
    select * from {{ source('open_llm_leaderboard_catalog', 'open_llm_leaderboard_fetches') }}
),

history as (
    select fetch_id, board, count(*) as history_rows, avg(average_score) as mean_average_score
    from {{ source('open_llm_leaderboard_catalog', 'open_llm_leaderboard_history') }}
    group by all
),

renamed as (
    select
        s.fetch_id,
        s.board,
        s.mode,
        s.fetched_at,
        s.row_count,
        s.quarantined_count,
        h.history_rows,
        h.mean_average_score,
        s.location,
        row_number() over (partition by s.board order by s.fetched_at desc) = 1 as is_latest,
        s._source_ref
    from source as s
    left join history as h using (fetch_id, board)
)

select * from renamed
