with account_flags as (

    select
        account_id,
        coalesce(bool_or(status = 'failed'), false) as account_has_failure
    from dev.main_staging.stg_txn
    group by account_id

)

select
    t.transaction_id,
    epoch(t.created_at) as created_epoch,
    epoch(t.created_at) as created_epoch_direct,
    md5(concat_ws('|', coalesce(cast(t.transaction_id as varchar), ''), coalesce(cast(t.currency_code as varchar), ''))) as row_key,
    f.account_has_failure,
    date_trunc('month', t.created_at) as created_month,
    

    (t.created_date + cast(7 as bigint) * interval 1 day) as due_date,
    
        (date_diff('day', t.created_date::timestamp, cast('2024-12-31' as date)::timestamp ))
     as days_to_year_end,
    t.currency_code || '-' || t.status as currency_status,
    
    
    cast(t.amount as TEXT)
 as amount_text,
    cast(null as TEXT) as empty_text,
    md5(cast(t.status as TEXT)) as status_hash,
    t."status" as quoted_status,
    'no greeting configured' as package_greeting,
    'duckdb' as dialect,
    nullif(trim(t.status), '') as status_or_null
from dev.main_staging.stg_txn as t
inner join account_flags as f
    on t.account_id = f.account_id