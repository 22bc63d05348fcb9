
    
    

with all_values as (

    select
        event_type as value_field,
        count(*) as n_records

    from dev.main_staging.stg_events
    group by event_type

)

select *
from all_values
where value_field not in (
    'login','logout','invoice_viewed','plan_changed','api_key_created'
)


