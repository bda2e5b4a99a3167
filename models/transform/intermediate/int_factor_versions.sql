-- One row per version of a factor: the row of the accepted release that set it, valid from that
-- release's publication until the release that replaced or retired it (SPEC §3.1, SCD type 2).
-- A full release ends every version before it; a delta ends the versions of the factors it lists.
with

releases as (
    select * from {{ ref('stg_factors__releases') }}
    where release_status = 'accepted' and published_date <= {{ as_of_date() }}
),

factor_rows as (
    select * from {{ ref('stg_factors__rows') }}
),

gwp as (
    select * from {{ ref('gwp_sets') }}
    where gwp_set = {{ run_gwp_set() }}
),

ordered_releases as (
    select
        *,
        row_number() over (order by published_date, release_id) as release_seq
    from releases
),

events as (
    select
        factor_rows.*,
        ordered_releases.release_seq,
        ordered_releases.published_date
    from factor_rows
    inner join ordered_releases using (release_id)
),

with_next_event as (
    select
        *,
        lead(release_seq) over (partition by factor_id order by release_seq) as next_event_seq
    from events
),

with_end as (
    select
        with_next_event.*,
        least(
            coalesce(next_event_seq, 9223372036854775807),
            coalesce(
                (
                    select min(full_release.release_seq)
                    from ordered_releases as full_release
                    where full_release.release_type = 'full'
                        and full_release.release_seq > with_next_event.release_seq
                ),
                9223372036854775807
            )
        ) as end_seq
    from with_next_event
    where status = 'active'
),

final as (
    select
        with_end.factor_id,
        row_number() over (partition by with_end.factor_id order by with_end.release_seq) as version_number,
        with_end.release_id,
        with_end.published_date as valid_from_date,
        ending.published_date as valid_to_date,
        ending.release_id as ended_by_release_id,
        ending.release_id is null as is_in_effect,
        with_end.activity_code,
        with_end.name_en,
        with_end.name_zh,
        with_end.geography,
        with_end.reference_year,
        with_end.activity_unit,
        with_end.co2_fossil_kg,
        with_end.ch4_fossil_kg,
        with_end.ch4_biogenic_kg,
        with_end.n2o_kg,
        with_end.other_ghg_kgco2e,
        with_end.co2_biogenic_kg,
        with_end.co2e_kg,
        with_end.gwp_basis,
        case
            when with_end.co2e_kg is not null then with_end.co2e_kg
            else coalesce(with_end.co2_fossil_kg, 0)
                + coalesce(with_end.ch4_fossil_kg, 0) * gwp.gwp_ch4_fossil
                + coalesce(with_end.ch4_biogenic_kg, 0) * gwp.gwp_ch4_nonfossil
                + coalesce(with_end.n2o_kg, 0) * gwp.gwp_n2o
                + coalesce(with_end.other_ghg_kgco2e, 0)
        end as ghg_kgco2e_per_activity_unit,
        coalesce(with_end.co2_biogenic_kg, 0) as biogenic_co2_kg_per_activity_unit,
        coalesce(with_end.co2e_kg is not null and with_end.gwp_basis <> gwp.gwp_set, false) as is_gwp_basis_mismatch,
        gwp.gwp_set,
        with_end.lca_scope,
        with_end.dq_technological,
        with_end.dq_geographical,
        with_end.dq_temporal,
        with_end.dq_precision,
        (with_end.dq_technological + with_end.dq_geographical + with_end.dq_temporal + with_end.dq_precision) / 4.0 as dqr,
        with_end.uncertainty_gsd,
        with_end.source,
        with_end.source_url
    from with_end
    cross join gwp
    left join ordered_releases as ending on ending.release_seq = with_end.end_seq
)

select * from final
