with __dbt__cte__eph_base_transactions as (
select *
from dev.main_staging.stg_txn
where status in ('settled', 'refunded')
) select
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