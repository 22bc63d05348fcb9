-- analysis reading ephemeral models
with totals as (
    select * from {{ ref('eph_account_totals') }}
)

select
    count(*) filter (where has_refund) as accounts_with_refunds,
    count(*) as accounts
from totals
