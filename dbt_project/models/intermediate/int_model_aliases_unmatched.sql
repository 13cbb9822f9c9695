{#
  The name-matching report: aliases from the third-party and training sources that match no other source
  (neither by model_key nor by base_model_key). Leaderboard-only models are not listed (the boards are the catalog).
#}
with aliases as (
    select * from {{ ref('int_model_aliases_unioned') }}
),

other_keys as (
    select a.source, a.alias
    from aliases as a
    where exists (
        select 1 from aliases as b
        where b.source <> a.source
          and (b.model_key = a.model_key or b.base_model_key = a.base_model_key)
    )
)

select a.source, a.alias, a.model_key, a.base_model_key
from aliases as a
anti join other_keys using (source, alias)
where a.source in ('llm_perf', 'ml_energy', 'training_footprint', 'epoch_ai')
