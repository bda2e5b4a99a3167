-- A failure means supersession is broken (SPEC §3.2: a later submission for the same company,
-- product and reporting period supersedes the earlier one, which stays in history): some product
-- and period of int_submission_products has no current submission or more than one, or the
-- current one is not the latest received (by received_date, then received_seq). The product
-- would then be published twice, never, or from a stale submission.
with

products as (
    select * from {{ ref('int_submission_products') }}
),

per_product_period as (
    select
        product_period_key,
        count(*) filter (where is_current) as current_submissions,
        max(received_date) as latest_received_date
    from products
    group by product_period_key
),

latest as (
    select
        product_period_key,
        max(received_seq) as latest_received_seq
    from products
    inner join per_product_period using (product_period_key)
    where products.received_date = per_product_period.latest_received_date
    group by product_period_key
),

current_is_stale as (
    select
        products.product_period_key,
        'current submission ' || products.submission_id || ' is not the latest received' as problem
    from products
    inner join per_product_period using (product_period_key)
    inner join latest using (product_period_key)
    where products.is_current
        and (
            products.received_date <> per_product_period.latest_received_date
            or products.received_seq <> latest.latest_received_seq
        )
),

wrong_count as (
    select
        product_period_key,
        current_submissions || ' current submissions' as problem
    from per_product_period
    where current_submissions <> 1
),

final as (
    select * from wrong_count
    union all
    select * from current_is_stale
)

select * from final
