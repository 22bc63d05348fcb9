
    
    

with all_values as (

    select
        status as value_field,
        count(*) as n_records

    from dev.main_staging.stg_txn
    group by status

)

select *
from all_values
where value_field not in (
    'pending','settled','refunded','failed'
)


