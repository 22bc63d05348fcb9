

with  __dbt__cte__eph_base_transactions as (
select *
from dev.main_staging.stg_txn
where status in ('settled', 'refunded')
),  __dbt__cte__eph_fx_transactions as (
select
    t.transaction_id,
    t.account_id,
    t.status,
    t.created_date,
    t.amount,
    t.currency_code,
    round(t.amount * r.rate_to_usd, 2) as amount_usd,
    'USD' as reporting_currency
from __dbt__cte__eph_base_transactions as t
left join dev.main_staging.stg_currency_rates as r
    on t.currency_code = r.currency_code
), transactions as (

    select * from __dbt__cte__eph_fx_transactions

    

)

select
    transaction_id,
    account_id,
    status,
    created_date,
    amount,
    currency_code,
    amount_usd,
    amount_usd * case when status = 'refunded' then -1 else 1 end as signed_amount_usd,
    md5(concat_ws('|', coalesce(cast(transaction_id as varchar), ''), coalesce(cast(account_id as varchar), ''))) as transaction_key
from transactions