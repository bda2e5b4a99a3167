-- One row per company (USCC) seen in a current submission, with the geographies that contain it,
-- derived from the registration area code in characters 3-8 of the USCC (SPEC §3.1).
with

products as (
    select * from {{ ref('int_submission_products') }}
    where is_current
),

geographies as (
    select * from {{ ref('geographies') }}
),

companies as (
    select
        company_uscc,
        -- the latest submission's name; ties broken by the name itself, not by the order rows arrive in
        arg_max(company_name, (received_date, received_seq, company_name)) as company_name,
        substr(company_uscc, 3, 6) as area_code
    from products
    group by company_uscc
),

final as (
    select
        companies.company_uscc,
        companies.company_name,
        companies.area_code,
        city.geography_code as city_geography_code,
        province.geography_code as province_geography_code
    from companies
    left join geographies as city
        on city.level = 'city' and cast(city.gbt2260_code as varchar) = substr(companies.area_code, 1, 4) || '00'
    left join geographies as province
        on province.level = 'province' and cast(province.gbt2260_code as varchar) = substr(companies.area_code, 1, 2)
)

select * from final
