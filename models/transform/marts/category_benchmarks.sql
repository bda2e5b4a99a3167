-- One row per product category and reporting year: the peer distribution products are graded
-- against (SPEC §5.2). Cells built from fewer than 3 companies are suppressed (null, flagged).
with

footprints as (
    select * from {{ ref('int_product_footprints') }}
),

grades as (
    select * from {{ ref('int_product_grades') }}
),

categories as (
    select * from {{ ref('product_categories') }}
),

peers as (
    select
        footprints.product_category,
        footprints.reporting_year,
        count(*) as product_count,
        count(distinct footprints.company_uscc) as company_count,
        quantile_cont(grades.pcf_kgco2e_per_category_unit, 0.1) as p10,
        quantile_cont(grades.pcf_kgco2e_per_category_unit, 0.25) as p25,
        quantile_cont(grades.pcf_kgco2e_per_category_unit, 0.5) as p50,
        quantile_cont(grades.pcf_kgco2e_per_category_unit, 0.75) as p75,
        quantile_cont(grades.pcf_kgco2e_per_category_unit, 0.9) as p90,
        bool_and(grades.has_enough_peers) as is_graded
    from footprints
    inner join grades using (product_period_key)
    group by footprints.product_category, footprints.reporting_year
),

final as (
    select
        peers.product_category,
        categories.name_en as category_name_en,
        categories.name_zh as category_name_zh,
        cast(peers.reporting_year as integer) as reporting_year,
        categories.declared_unit,
        categories.grading_method,
        cast(peers.product_count as integer) as product_count,
        cast(peers.company_count as integer) as company_count,
        peers.company_count < {{ var('min_companies_per_cell', 3) }} as is_suppressed,
        case when peers.company_count >= {{ var('min_companies_per_cell', 3) }} then peers.p10 end as p10_kgco2e_per_unit,
        case when peers.company_count >= {{ var('min_companies_per_cell', 3) }} then peers.p25 end as p25_kgco2e_per_unit,
        case when peers.company_count >= {{ var('min_companies_per_cell', 3) }} then peers.p50 end as median_kgco2e_per_unit,
        case when peers.company_count >= {{ var('min_companies_per_cell', 3) }} then peers.p75 end as p75_kgco2e_per_unit,
        case when peers.company_count >= {{ var('min_companies_per_cell', 3) }} then peers.p90 end as p90_kgco2e_per_unit,
        peers.is_graded
    from peers
    inner join categories on categories.category_code = peers.product_category
)

select * from final
order by product_category, reporting_year
