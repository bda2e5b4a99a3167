-- One row per livestock category, reporting year and grade: how many graded farms hold each grade
-- (SPEC §5.5); farms without a grade (too few peers) are not counted. Cells from fewer than
-- `min_companies_per_cell` companies are suppressed.
with

farms as (
    select * from {{ ref('int_product_labels') }}
    where product_category like 'livestock.%' and grade is not null
),

categories as (
    select * from {{ ref('product_categories') }}
),

cells as (
    select
        product_category,
        cast(reporting_year as integer) as reporting_year,
        grade,
        count(*) as farm_count,
        count(distinct company_uscc) as company_count,
        median(pcf_excl_biogenic_kgco2e_per_unit) as median_kgco2e_per_unit
    from farms
    group by all
),

final as (
    select
        cells.product_category,
        categories.name_en as category_name_en,
        categories.name_zh as category_name_zh,
        cells.reporting_year,
        cells.grade,
        categories.declared_unit,
        cells.company_count < {{ var('min_companies_per_cell', 3) }} as is_suppressed,
        case when cells.company_count >= {{ var('min_companies_per_cell', 3) }} then cast(cells.farm_count as integer) end as farm_count,
        case when cells.company_count >= {{ var('min_companies_per_cell', 3) }} then cast(cells.company_count as integer) end as company_count,
        case when cells.company_count >= {{ var('min_companies_per_cell', 3) }} then cells.median_kgco2e_per_unit end as median_kgco2e_per_unit
    from cells
    inner join categories on categories.category_code = cells.product_category
)

select * from final
order by product_category, reporting_year, grade nulls last
