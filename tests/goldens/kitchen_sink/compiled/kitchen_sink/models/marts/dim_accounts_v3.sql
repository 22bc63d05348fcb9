with __dbt__cte__eph_base_transactions as (
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
),  __dbt__cte__eph_account_totals as (
with fx as (
    select * from __dbt__cte__eph_fx_transactions
),

base_counts as (
    select account_id, count(*) as raw_transaction_count
    from __dbt__cte__eph_base_transactions
    group by account_id
)

select
    fx.account_id,
    count(*) as transaction_count,
    max(base_counts.raw_transaction_count) as raw_transaction_count,
    sum(fx.amount_usd * case when fx.status = 'refunded' then -1 else 1 end) as net_amount_usd,
    coalesce(bool_or(fx.status = 'refunded'), false) as has_refund
from fx
left join base_counts
    on fx.account_id = base_counts.account_id
group by fx.account_id
) select
    a.*,
    coalesce(t.transaction_count, 0) as transaction_count
from dev.main.dim_accounts_v2 as a
left join __dbt__cte__eph_account_totals as t
    on a.account_id = t.account_id