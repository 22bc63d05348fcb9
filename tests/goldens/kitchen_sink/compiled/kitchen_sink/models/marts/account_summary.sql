

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
), current_accounts as (
    select * from dev.main.dim_accounts_v2
),

pinned_accounts as (
    select account_id from dev.main.dim_accounts_v2
),

legacy_accounts as (
    select * from dev.main.dim_accounts_v1
),

totals as (
    select * from __dbt__cte__eph_account_totals
),

calendar as (
    select min(date_day) as first_day, max(date_day) as last_day
    from dev.main_utils.utils_calendar
)

select
    current_accounts.account_id,
    current_accounts.account_name,
    current_accounts.tier_rank,
    legacy_accounts.tier as legacy_tier,
    coalesce(totals.transaction_count, 0) as transaction_count,
    coalesce(totals.net_amount_usd, 0) as net_amount_usd,
    coalesce(totals.has_refund, false) as has_refund,
    round(100.0 * case when totals.raw_transaction_count = 0 then null else totals.transaction_count / totals.raw_transaction_count end, 1) as reported_share_pct,
    calendar.first_day as calendar_first_day,
    calendar.last_day as calendar_last_day
from current_accounts
left join legacy_accounts
    on current_accounts.account_id = legacy_accounts.account_id
left join totals
    on current_accounts.account_id = totals.account_id
cross join calendar
where current_accounts.account_id in (select account_id from pinned_accounts)