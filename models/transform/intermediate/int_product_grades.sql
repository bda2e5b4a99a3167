-- One row per plausible product footprint: its footprint in the category's declared unit and its
-- grade 1 (best) to 5 against the peers of its category and reporting year (SPEC §5.2): quintiles
-- of the peer distribution, or the category's fixed thresholds; no grade with too few peers.
with

footprints as (
    select * from {{ ref('int_product_footprints') }}
    where not coalesce(is_out_of_plausible_range, false) and product_category is not null
),

categories as (
    select * from {{ ref('product_categories') }}
),

units as (
    select * from {{ ref('units') }}
),

in_category_unit as (
    select
        footprints.product_period_key,
        footprints.product_category,
        footprints.reporting_year,
        footprints.company_uscc,
        footprints.pcf_excl_biogenic_kgco2e_per_unit * category_unit.to_base / product_unit.to_base
            as pcf_kgco2e_per_category_unit
    from footprints
    inner join categories on categories.category_code = footprints.product_category
    inner join units as product_unit on product_unit.unit = footprints.declared_unit
    inner join units as category_unit on category_unit.unit = categories.declared_unit
),

peer_groups as (
    select
        product_category,
        reporting_year,
        count(*) as product_count,
        count(distinct company_uscc) as company_count,
        quantile_cont(pcf_kgco2e_per_category_unit, 0.2) as p20,
        quantile_cont(pcf_kgco2e_per_category_unit, 0.4) as p40,
        quantile_cont(pcf_kgco2e_per_category_unit, 0.6) as p60,
        quantile_cont(pcf_kgco2e_per_category_unit, 0.8) as p80
    from in_category_unit
    group by product_category, reporting_year
),

bounds as (
    select
        peer_groups.*,
        categories.grading_method,
        peer_groups.product_count >= cast(categories.min_products as integer)
            and peer_groups.company_count >= cast(categories.min_companies as integer) as has_enough_peers,
        case
            when categories.grading_method = 'fixed'
                then list_transform(string_split(categories.grade_thresholds, ';'), lambda t: cast(trim(t) as double))
            else [p20, p40, p60, p80]
        end as grade_upper_bounds
    from peer_groups
    inner join categories on categories.category_code = peer_groups.product_category
),

final as (
    select
        in_category_unit.product_period_key,
        in_category_unit.pcf_kgco2e_per_category_unit,
        bounds.grading_method,
        bounds.has_enough_peers,
        case
            when not bounds.has_enough_peers then null
            when in_category_unit.pcf_kgco2e_per_category_unit <= bounds.grade_upper_bounds[1] then 1
            when in_category_unit.pcf_kgco2e_per_category_unit <= bounds.grade_upper_bounds[2] then 2
            when in_category_unit.pcf_kgco2e_per_category_unit <= bounds.grade_upper_bounds[3] then 3
            when in_category_unit.pcf_kgco2e_per_category_unit <= bounds.grade_upper_bounds[4] then 4
            else 5
        end as grade
    from in_category_unit
    inner join bounds using (product_category, reporting_year)
)

select * from final
