-- One row per public product and reporting period: the published product carbon footprints.
with

footprints as (
    select * from {{ ref('int_product_labels') }}
    where disclosure = 'public'
),

categories as (
    select * from {{ ref('product_categories') }}
),

final as (
    select
        {{ stable_uuid('footprints.product_period_key') }} as product_footprint_id,
        footprints.company_uscc,
        footprints.company_name,
        footprints.product_code,
        footprints.product_name,
        footprints.product_category,
        cast(categories.cpc_code as varchar) as cpc_code,
        footprints.hs_code,
        footprints.declared_unit,
        footprints.product_mass_kg,
        footprints.reporting_period_start,
        footprints.reporting_period_end,
        footprints.system_boundary,
        footprints.pcf_excl_biogenic_kgco2e_per_unit,
        footprints.pcf_incl_biogenic_kgco2e_per_unit,
        footprints.raw_materials_kgco2e_per_unit,
        footprints.production_kgco2e_per_unit,
        footprints.distribution_kgco2e_per_unit,
        footprints.use_kgco2e_per_unit,
        footprints.end_of_life_kgco2e_per_unit,
        footprints.primary_data_share_pct,
        footprints.dqr,
        footprints.dqr_class,
        {{ run_gwp_set() }} as gwp_set,
        footprints.factor_release_id,
        footprints.is_boundary_complete,
        footprints.grade,
        footprints.is_label_eligible,
        footprints.is_verified,
        footprints.verifier_name,
        footprints.verification_date,
        footprints.export_volume,
        footprints.export_markets,
        footprints.source_kind,
        footprints.submission_id
    from footprints
    left join categories on categories.category_code = footprints.product_category
)

select * from final
order by company_uscc, product_code, reporting_period_start, reporting_period_end
