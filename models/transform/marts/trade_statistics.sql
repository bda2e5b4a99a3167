-- One row per HS heading (4 digits), export market, reporting year and declared unit: how green the
-- exports are (SPEC §5.4). A product's export volume is shared equally among the markets it lists.
-- Cells from fewer than `min_companies_per_cell` companies are suppressed (null values, flagged).
with

products as (
    select * from {{ ref('int_product_labels') }}
    where hs_code is not null and export_volume > 0 and export_markets is not null
),

by_market as (
    select
        products.*,
        trim(market.export_market) as export_market,
        products.export_volume / len(list_filter(string_split(products.export_markets, ';'), lambda m: trim(m) <> ''))
            as market_export_volume
    from products,
        unnest(string_split(products.export_markets, ';')) as market(export_market)
    where trim(market.export_market) <> ''
),

cells as (
    select
        substr(hs_code, 1, 4) as hs_heading,
        export_market,
        cast(reporting_year as integer) as reporting_year,
        declared_unit,
        count(*) as product_count,
        count(distinct company_uscc) as company_count,
        {{ stable_sum('market_export_volume') }} as export_volume,
        {{ stable_sum('market_export_volume * pcf_excl_biogenic_kgco2e_per_unit') }} / {{ stable_sum('market_export_volume') }}
            as export_weighted_pcf_kgco2e_per_unit,
        100.0 * avg(case when is_label_eligible then 1.0 else 0.0 end) as label_eligible_share_pct
    from by_market
    group by all
),

final as (
    select
        hs_heading,
        export_market,
        reporting_year,
        declared_unit,
        cast(product_count as integer) as product_count,
        cast(company_count as integer) as company_count,
        company_count < {{ var('min_companies_per_cell', 3) }} as is_suppressed,
        case when company_count >= {{ var('min_companies_per_cell', 3) }} then export_volume end as export_volume,
        case when company_count >= {{ var('min_companies_per_cell', 3) }} then export_weighted_pcf_kgco2e_per_unit end
            as export_weighted_pcf_kgco2e_per_unit,
        case when company_count >= {{ var('min_companies_per_cell', 3) }} then label_eligible_share_pct end
            as label_eligible_share_pct
    from cells
)

select * from final
order by hs_heading, export_market, reporting_year, declared_unit
