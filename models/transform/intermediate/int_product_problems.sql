-- One row per problem found inside the graph, for the feedback of the submission it concerns:
-- activity rows no factor or supplier could be found for, supplier cycles, products depending on
-- an unusable supplier, and footprints outside their category's plausible range. Messages are
-- filled from the reason catalogue when feedback is written.
with

activity_rows as (
    select * from {{ ref('int_activity_rows') }}
),

factor_rows as (
    select * from {{ ref('int_activity_factors') }}
    where problem_code is not null
),

links as (
    select * from {{ ref('int_supplier_links') }}
    where problem_code is not null
),

products as (
    select * from {{ ref('int_submission_products') }}
    where is_current and not has_ingest_errors
),

chain_totals as (
    select * from {{ ref('int_product_chain_totals') }}
),

footprints as (
    select * from {{ ref('int_product_footprints') }}
),

row_level as (
    select
        activity_rows.submission_id,
        activity_rows.source_sheet,
        activity_rows.source_row,
        activity_rows.product_key,
        problems.problem_column as column_name,
        problems.problem_code as code,
        problems.problem_details as details
    from activity_rows
    inner join (
        select row_key, problem_code, problem_column, problem_details from factor_rows
        union all
        select row_key, problem_code, problem_column, problem_details from links
    ) as problems using (row_key)
),

direct_unusable_suppliers as (
    select distinct
        buyer.product_period_key,
        supplier_link.supplier_product_period_key
    from {{ ref('int_supplier_links') }} as supplier_link
    inner join chain_totals as buyer on buyer.product_period_key = supplier_link.product_period_key
    inner join chain_totals as supplier on supplier.product_period_key = supplier_link.supplier_product_period_key
    where buyer.depends_on_unusable and not supplier.is_usable
),

product_level as (
    select
        products.submission_id,
        null as source_sheet,
        null as source_row,
        products.product_key,
        'supplier_product' as column_name,
        'SUPPLIER_CYCLE' as code,
        json_object('value', chain_totals.cycle_description) as details
    from products
    inner join chain_totals using (product_period_key)
    where chain_totals.is_on_cycle

    union all

    select
        products.submission_id,
        null,
        null,
        products.product_key,
        'supplier_product',
        'SUPPLIER_NOT_AVAILABLE',
        json_object('value', direct_unusable_suppliers.supplier_product_period_key)
    from products
    inner join direct_unusable_suppliers using (product_period_key)

    union all

    -- PACT 2.x makes the total including biogenic uptake optional; a release cannot publish without it
    select
        products.submission_id,
        null,
        null,
        products.product_key,
        null,
        'PACT_NO_BIOGENIC_TOTAL',
        json_object('value', 'pCfIncludingBiogenic (2.x) / pcfIncludingBiogenicUptake (3.x)')
    from products
    where products.source_kind = 'pact' and products.pact_pcf_incl_biogenic_kgco2e_per_unit is null

    union all

    select
        footprints.submission_id,
        null,
        null,
        footprints.product_key,
        null,
        'OUT_OF_PLAUSIBLE_RANGE',
        json_object(
            'value', round(footprints.pcf_excl_biogenic_kgco2e_per_unit, 3),
            'unit', footprints.declared_unit,
            'expected', printf('%g–%g', footprints.plausible_min_kgco2e_per_unit, footprints.plausible_max_kgco2e_per_unit)
        )
    from footprints
    where footprints.is_out_of_plausible_range
),

final as (
    select * from row_level
    union all
    select * from product_level
)

select * from final
