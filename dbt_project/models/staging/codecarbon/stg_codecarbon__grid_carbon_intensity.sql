with source as (
    select * from {{ source('codecarbon', 'grid_carbon_intensity') }}
),

renamed as (
    select
        country_iso3,
        country_name,
        g_co2e_per_kwh,
        data_year,
        total_twh,
        case when total_twh > 0 then low_carbon_twh / total_twh end as low_carbon_share,
        _source,
        _source_ref
    from source
)

select * from renamed
