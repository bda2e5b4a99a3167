-- One row per emission factor in effect on the as-of date: the provincial factor database as
-- published, with the release that set each factor and its validity.
with

versions as (
    select * from {{ ref('int_factor_versions') }}
),

first_release as (
    select factor_id, arg_min(release_id, version_number) as first_release_id
    from versions
    group by factor_id
),

final as (
    select
        versions.factor_id,
        versions.activity_code,
        versions.name_en,
        versions.name_zh,
        versions.geography,
        versions.reference_year,
        versions.activity_unit,
        versions.co2_fossil_kg,
        versions.ch4_fossil_kg,
        versions.ch4_biogenic_kg,
        versions.n2o_kg,
        versions.other_ghg_kgco2e,
        versions.co2_biogenic_kg,
        versions.co2e_kg,
        versions.gwp_basis,
        versions.ghg_kgco2e_per_activity_unit,
        versions.gwp_set,
        versions.is_gwp_basis_mismatch,
        versions.lca_scope,
        versions.dq_technological,
        versions.dq_geographical,
        versions.dq_temporal,
        versions.dq_precision,
        versions.dqr,
        versions.uncertainty_gsd,
        versions.source,
        versions.source_url,
        versions.release_id,
        versions.version_number,
        first_release.first_release_id,
        versions.valid_from_date
    from versions
    inner join first_release using (factor_id)
    where versions.is_in_effect
)

select * from final
order by factor_id
