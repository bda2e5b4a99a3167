-- One row per plausible, usable product and period (every disclosure level): its grade against its
-- category peers and whether it may carry a carbon label (SPEC §5.3: verified, DQR at most
-- `label_max_dqr`, boundary complete, grade at most `label_max_grade`).
with

footprints as (
    select * from {{ ref('int_product_footprints') }}
    where not coalesce(is_out_of_plausible_range, false)
),

grades as (
    select * from {{ ref('int_product_grades') }}
),

final as (
    select
        footprints.*,
        cast(grades.grade as integer) as grade,
        coalesce(
            footprints.is_verified
            and footprints.dqr <= {{ var('label_max_dqr', 3) }}
            and footprints.is_boundary_complete
            and grades.grade <= {{ var('label_max_grade', 3) }},
            false
        ) as is_label_eligible
    from footprints
    left join grades using (product_period_key)
)

select * from final
