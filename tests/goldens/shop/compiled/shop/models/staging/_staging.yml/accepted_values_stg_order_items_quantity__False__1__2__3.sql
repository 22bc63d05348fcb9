
    
    

with all_values as (

    select
        quantity as value_field,
        count(*) as n_records

    from "dev"."main"."stg_order_items"
    group by quantity

)

select *
from all_values
where value_field not in (
    1,2,3
)


