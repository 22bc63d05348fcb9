
    
    

with all_values as (

    select
        tier as value_field,
        count(*) as n_records

    from (select * from dev.main_staging.stg_accounts where region <> 'APAC') dbt_subquery
    group by tier

)

select *
from all_values
where value_field not in (
    'free','pro','enterprise'
)


