-- One row per current product and period: its per-declared-unit totals through supplier chains of
-- any depth, and whether it can be published. A product's total is the sum, over every path in
-- the supplier graph starting at it, of the path's coefficient times the direct per-unit emissions
-- of the path's last product, walked with a recursive CTE that stops at the first repeated product
-- (a cycle) instead of a fixed number of self-joins. Products on a cycle, or depending on a product
-- that cannot be used, are not published (SPEC §4).
with recursive

-- every current product, those with ingestion errors too: a buyer of one of them must not be usable
products as (
    select * from {{ ref('int_submission_products') }}
    where is_current
),

factor_rows as (
    select * from {{ ref('int_activity_factors') }}
),

links as (
    select * from {{ ref('int_supplier_links') }}
),

row_problems as (
    select product_period_key from factor_rows where problem_code is not null
    union
    select product_period_key from links where problem_code is not null
),

direct as (
    select
        product_period_key,
        {{ stable_sum('ghg_kgco2e') }} as ghg_kgco2e,
        {{ stable_sum('biogenic_co2_kg') }} as biogenic_co2_kg,
        {{ stable_sum('ghg_kgco2e * dqr') }} as dqr_weighted_ghg_kgco2e
    from factor_rows
    where problem_code is null
    group by product_period_key
),

nodes as (
    select
        products.product_period_key,
        case
            when products.source_kind = 'pact' then products.pact_pcf_excl_biogenic_kgco2e_per_unit
            else coalesce(direct.ghg_kgco2e, 0) / products.production_volume
        end as direct_ghg_per_unit,
        case
            when products.source_kind = 'pact'
                then products.pact_pcf_incl_biogenic_kgco2e_per_unit - products.pact_pcf_excl_biogenic_kgco2e_per_unit
            else coalesce(direct.biogenic_co2_kg, 0) / products.production_volume
        end as direct_biogenic_per_unit,
        case
            -- a PACT footprint without data quality indicators is taken at the worst DQR (5)
            when products.source_kind = 'pact'
                then coalesce(products.pact_dqr, 5) * products.pact_pcf_excl_biogenic_kgco2e_per_unit
            else coalesce(direct.dqr_weighted_ghg_kgco2e, 0) / products.production_volume
        end as direct_dqr_weighted_per_unit,
        products.has_ingest_errors
            or row_problems.product_period_key is not null
            or (products.source_kind = 'pact' and (
                products.pact_pcf_excl_biogenic_kgco2e_per_unit is null
                or products.pact_pcf_incl_biogenic_kgco2e_per_unit is null
            ))
            as has_own_problem
    from products
    left join direct using (product_period_key)
    left join row_problems using (product_period_key)
),

edges as (
    select
        product_period_key as buyer_key,
        supplier_product_period_key as supplier_key,
        supplier_units / production_volume as weight
    from links
    where problem_code is null
),

walk (root_key, node_key, coefficient, path, is_cycle) as (
    select product_period_key, product_period_key, 1.0::double, [product_period_key], false
    from nodes
    union all
    select
        walk.root_key,
        edges.supplier_key,
        walk.coefficient * edges.weight,
        list_append(walk.path, edges.supplier_key),
        list_contains(walk.path, edges.supplier_key)
    from walk
    inner join edges on edges.buyer_key = walk.node_key
    where not walk.is_cycle
),

walk_flags as (
    select
        walk.root_key as product_period_key,
        bool_or(walk.is_cycle and walk.node_key = walk.root_key) as is_on_cycle,
        -- the shortest cycle, the first in key order among equally short ones (whatever order rows arrive in)
        arg_min(walk.path, (len(walk.path), walk.path)) filter (where walk.is_cycle and walk.node_key = walk.root_key) as cycle_path,
        bool_or(walk.is_cycle or (nodes.has_own_problem and walk.node_key <> walk.root_key)) as depends_on_unusable,
        {{ stable_sum('walk.coefficient * nodes.direct_ghg_per_unit', where='not walk.is_cycle') }} as ghg_kgco2e_per_unit,
        {{ stable_sum('walk.coefficient * nodes.direct_biogenic_per_unit', where='not walk.is_cycle') }} as biogenic_co2_kg_per_unit,
        {{ stable_sum('walk.coefficient * nodes.direct_dqr_weighted_per_unit', where='not walk.is_cycle') }} as dqr_weighted_ghg_per_unit
    from walk
    inner join nodes on nodes.product_period_key = walk.node_key
    group by walk.root_key
),

final as (
    select
        nodes.product_period_key,
        nodes.has_own_problem,
        walk_flags.is_on_cycle,
        array_to_string(walk_flags.cycle_path, ' → ') as cycle_description,
        walk_flags.depends_on_unusable and not walk_flags.is_on_cycle as depends_on_unusable,
        not (nodes.has_own_problem or walk_flags.is_on_cycle or walk_flags.depends_on_unusable) as is_usable,
        walk_flags.ghg_kgco2e_per_unit,
        walk_flags.biogenic_co2_kg_per_unit,
        walk_flags.dqr_weighted_ghg_per_unit / nullif(walk_flags.ghg_kgco2e_per_unit, 0) as dqr
    from nodes
    inner join walk_flags using (product_period_key)
)

select * from final
