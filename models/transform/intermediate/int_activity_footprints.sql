-- One row per activity row of a usable product: the emissions it contributes and what produced
-- them (the factor version, or the supplier product's submission). This is the lineage an auditor
-- retraces a published footprint with; it never leaves the warehouse. The row itself (activity,
-- amount, unit, what it named) is int_activity_rows, by row_key: at ten million rows storing
-- those columns a second time took longer than computing the whole table.
--
-- Built incrementally. A factor row follows from its int_activity_factors row alone: it is kept
-- while that row is the one it was made from (the same `built_at`, kept as `factor_built_at`; a
-- row chosen for again has another), and added for every factor row without one. A
-- supplier row follows from the supplier's whole chain, which any night can change: every
-- supplier row is built again each night (a few percent of the rows).
{{ config(
    materialized='incremental',
    pre_hook="""
        {% if is_incremental() %}
        delete from {{ this }} as kept
        where kept.reference_kind = 'supplier'
            or not exists (
                select 1 from {{ ref('int_activity_factors') }} as chosen
                where chosen.row_key = kept.row_key and chosen.problem_code is null and chosen.built_at = kept.factor_built_at
            )
        {% endif %}
    """,
) }}
with

-- Read twice (rows with a factor, rows with a supplier): DuckDB would otherwise store all ten
-- million rows once to read them back, which took longer than scanning the table twice.
activity_rows as not materialized (
    select row_key, product_period_key, lifecycle_stage, data_source
    from {{ ref('int_activity_rows') }}
),

factor_rows as (
    select * from {{ ref('int_activity_factors') }} as chosen
    where problem_code is null
    {% if is_incremental() %}
        and not exists (select 1 from {{ this }} as kept where kept.row_key = chosen.row_key)
    {% endif %}
),

links as (
    select * from {{ ref('int_supplier_links') }}
    where problem_code is null
),

chain_totals as (
    select * from {{ ref('int_product_chain_totals') }}
),

from_factors as (
    select
        activity_rows.row_key,
        activity_rows.product_period_key,
        activity_rows.lifecycle_stage,
        'factor' as reference_kind,
        factor_rows.factor_id,
        factor_rows.factor_release_id,
        factor_rows.factor_version_number,
        cast(null as varchar) as supplier_product_period_key,
        cast(null as varchar) as supplier_submission_id,
        factor_rows.unit_conversion,
        factor_rows.ghg_kgco2e,
        factor_rows.biogenic_co2_kg,
        factor_rows.dqr,
        activity_rows.data_source = 'primary' as is_primary,
        factor_rows.built_at as factor_built_at
    from activity_rows
    inner join factor_rows using (row_key)
),

from_suppliers as (
    select
        activity_rows.row_key,
        activity_rows.product_period_key,
        activity_rows.lifecycle_stage,
        'supplier' as reference_kind,
        cast(null as varchar) as factor_id,
        cast(null as varchar) as factor_release_id,
        cast(null as bigint) as factor_version_number,
        links.supplier_product_period_key,
        links.supplier_submission_id,
        links.unit_conversion,
        links.supplier_units * supplier.ghg_kgco2e_per_unit as ghg_kgco2e,
        links.supplier_units * supplier.biogenic_co2_kg_per_unit as biogenic_co2_kg,
        supplier.dqr,
        true as is_primary,
        cast(null as timestamptz) as factor_built_at
    from activity_rows
    inner join links using (row_key)
    inner join chain_totals as supplier
        on supplier.product_period_key = links.supplier_product_period_key and supplier.is_usable
),

final as (
    select *, now() as built_at from from_factors  -- built_at: see int_activity_rows
    union all by name
    select *, now() as built_at from from_suppliers
)

select * from final
