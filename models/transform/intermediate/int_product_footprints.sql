-- One row per current, usable product and period (every disclosure level): per-declared-unit
-- footprints by life-cycle stage, biogenic CO2 apart, primary data share, DQR, boundary
-- completeness (SPEC §4), and whether it lies in its category's plausible range.
with

products as (
    select * from {{ ref('int_submission_products') }}
    where is_current and not has_ingest_errors
),

chain_totals as (
    select * from {{ ref('int_product_chain_totals') }}
    where is_usable
),

activity_footprints as (
    select * from {{ ref('int_activity_footprints') }}
),

categories as (
    select * from {{ ref('product_categories') }}
),

units as (
    select * from {{ ref('units') }}
),

by_product as (
    select
        product_period_key,
        {{ stable_sum('ghg_kgco2e') }} as ghg_kgco2e,
        {{ stable_sum('biogenic_co2_kg') }} as biogenic_co2_kg,
        {% for stage in ['raw_materials', 'production', 'distribution', 'use', 'end_of_life'] -%}
        coalesce({{ stable_sum('ghg_kgco2e', where="lifecycle_stage = '" ~ stage ~ "'") }}, 0) as {{ stage }}_kgco2e,
        count(*) filter (where lifecycle_stage = '{{ stage }}') > 0 as has_{{ stage }},
        {% endfor -%}
        {{ stable_sum('ghg_kgco2e', where='is_primary') }} as primary_ghg_kgco2e,
        {{ stable_sum('ghg_kgco2e * dqr') }} as dqr_weighted_ghg_kgco2e,
        max(factor_release_id) as factor_release_id,
        bool_or(reference_kind = 'supplier') as has_supplier_links
    from activity_footprints
    group by product_period_key
),

inventory as (
    select
        products.*,
        by_product.ghg_kgco2e / products.production_volume as pcf_excl_biogenic_kgco2e_per_unit,
        (by_product.ghg_kgco2e + by_product.biogenic_co2_kg) / products.production_volume as pcf_incl_biogenic_kgco2e_per_unit,
        {% for stage in ['raw_materials', 'production', 'distribution', 'use', 'end_of_life'] -%}
        by_product.{{ stage }}_kgco2e / products.production_volume as {{ stage }}_kgco2e_per_unit,
        {% endfor -%}
        100.0 * coalesce(by_product.primary_ghg_kgco2e, 0) / nullif(by_product.ghg_kgco2e, 0) as primary_data_share_pct,
        by_product.dqr_weighted_ghg_kgco2e / nullif(by_product.ghg_kgco2e, 0) as dqr,
        case products.system_boundary
            when 'cradle_to_gate' then by_product.has_raw_materials and by_product.has_production
            else by_product.has_raw_materials and by_product.has_production and by_product.has_distribution
                and by_product.has_use and by_product.has_end_of_life
        end as is_boundary_complete,
        by_product.factor_release_id,
        by_product.has_supplier_links
    from products
    inner join by_product using (product_period_key)
    where products.source_kind = 'inventory'
),

pact as (
    select
        products.*,
        products.pact_pcf_excl_biogenic_kgco2e_per_unit as pcf_excl_biogenic_kgco2e_per_unit,
        products.pact_pcf_incl_biogenic_kgco2e_per_unit as pcf_incl_biogenic_kgco2e_per_unit,
        {% for stage in ['raw_materials', 'production', 'distribution', 'use', 'end_of_life'] -%}
        cast(null as double) as {{ stage }}_kgco2e_per_unit,
        {% endfor -%}
        products.pact_primary_data_share_pct as primary_data_share_pct,
        chain_totals.dqr,
        true as is_boundary_complete,
        cast(null as varchar) as factor_release_id,
        false as has_supplier_links
    from products
    inner join chain_totals using (product_period_key)
    where products.source_kind = 'pact'
),

combined as (
    select * from inventory
    union all by name
    select * from pact
),

final as (
    select
        combined.*,
        categories.declared_unit as category_declared_unit,
        -- the plausible range is per the category's declared unit: convert, and compare there
        combined.pcf_excl_biogenic_kgco2e_per_unit * category_unit.to_base / product_unit.to_base not between
            cast(categories.plausible_min_kgco2e_per_unit as double) and cast(categories.plausible_max_kgco2e_per_unit as double)
            as is_out_of_plausible_range,
        cast(categories.plausible_min_kgco2e_per_unit as double) * product_unit.to_base / category_unit.to_base
            as plausible_min_kgco2e_per_unit,
        cast(categories.plausible_max_kgco2e_per_unit as double) * product_unit.to_base / category_unit.to_base
            as plausible_max_kgco2e_per_unit,
        combined.verifier_name is not null and combined.verification_date is not null as is_verified
    from combined
    inner join chain_totals using (product_period_key)
    left join categories on categories.category_code = combined.product_category
    left join units as product_unit on product_unit.unit = combined.declared_unit
    left join units as category_unit on category_unit.unit = categories.declared_unit
)

select
    *,
    case
        when dqr is null then null
        when dqr <= 1.5 then 'excellent'
        when dqr <= 2.0 then 'very good'
        when dqr <= 3.0 then 'good'
        when dqr <= 4.0 then 'fair'
        else 'poor'
    end as dqr_class
from final
