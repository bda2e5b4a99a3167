-- A failure means a category of seeds/product_categories.csv graded by `fixed` thresholds has a
-- grade_thresholds cell that is not four numbers in ascending order separated by ';' (e.g.
-- 1600;1900;2200;2500, kgCO2e per the category's declared unit). int_product_grades reads the
-- four values as the upper bounds of grades 1-4; a missing, non-numeric or unordered value
-- would grade products wrongly without any error.
with

categories as (
    select * from {{ ref('product_categories') }}
    where grading_method = 'fixed'
),

parsed as (
    select
        category_code,
        grade_thresholds,
        list_transform(string_split(cast(grade_thresholds as varchar), ';'), lambda t: try_cast(trim(t) as double)) as bounds
    from categories
),

final as (
    select *
    from parsed
    where not coalesce(
        len(bounds) = 4
        and list_count(bounds) = 4
        and bounds[1] < bounds[2] and bounds[2] < bounds[3] and bounds[3] < bounds[4],
        false
    )
)

select * from final
