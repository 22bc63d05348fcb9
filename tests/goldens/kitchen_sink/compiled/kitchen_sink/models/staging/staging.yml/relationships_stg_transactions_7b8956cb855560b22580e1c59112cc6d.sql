
    
    

with child as (
    select currency_code as from_field
    from dev.main_staging.stg_txn
    where currency_code is not null
),

parent as (
    select currency_code as to_field
    from dev.main_staging.stg_currency_rates
)

select
    from_field

from child
left join parent
    on child.from_field = parent.to_field

where parent.to_field is null


