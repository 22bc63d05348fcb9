{{ config(materialized='table', tags=['summary']) }}

with current_accounts as (
    select * from {{ ref('dim_accounts') }}
),

pinned_accounts as (
    select account_id from {{ ref('kitchen_sink', 'dim_accounts', v=2) }}
),

legacy_accounts as (
    select * from {{ ref('dim_accounts', v=1) }}
),

totals as (
    select * from {{ ref('eph_account_totals') }}
),

calendar as (
    select min(date_day) as first_day, max(date_day) as last_day
    from {{ ref('trellis_utils', 'utils_calendar') }}
)

select
    current_accounts.account_id,
    current_accounts.account_name,
    current_accounts.tier_rank,
    legacy_accounts.tier as legacy_tier,
    coalesce(totals.transaction_count, 0) as transaction_count,
    coalesce(totals.net_amount_usd, 0) as net_amount_usd,
    coalesce(totals.has_refund, false) as has_refund,
    {{ kitchen_sink.percent_of('totals.transaction_count', 'totals.raw_transaction_count') }} as reported_share_pct,
    calendar.first_day as calendar_first_day,
    calendar.last_day as calendar_last_day
from current_accounts
left join legacy_accounts
    on current_accounts.account_id = legacy_accounts.account_id
left join totals
    on current_accounts.account_id = totals.account_id
cross join calendar
where current_accounts.account_id in (select account_id from pinned_accounts)
