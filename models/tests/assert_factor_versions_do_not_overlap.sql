-- A failure means the factor history (int_factor_versions) is inconsistent: for some factor_id
-- two versions' validity intervals [valid_from_date, valid_to_date) overlap, or more than one
-- version is in effect, so the factor in effect on a date would be ambiguous and footprints
-- could use a replaced or retired factor (SPEC §3.1). Each returned row names the factor and
-- the two clashing versions (or the count of versions in effect).
with

versions as (
    select * from {{ ref('int_factor_versions') }}
),

overlapping as (
    select
        earlier.factor_id,
        'overlapping versions ' || earlier.version_number || ' and ' || later.version_number as problem
    from versions as earlier
    inner join versions as later
        on later.factor_id = earlier.factor_id
        and later.version_number > earlier.version_number
        -- half-open intervals; a null valid_to_date is open-ended
        and later.valid_from_date < coalesce(earlier.valid_to_date, date '9999-12-31')
        and earlier.valid_from_date < coalesce(later.valid_to_date, date '9999-12-31')
),

several_in_effect as (
    select
        factor_id,
        count(*) || ' versions in effect' as problem
    from versions
    where is_in_effect
    group by factor_id
    having count(*) > 1
),

final as (
    select * from overlapping
    union all
    select * from several_in_effect
)

select * from final
