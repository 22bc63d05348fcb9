-- A leading comment and WITH RECURSIVE: ephemeral CTEs are injected after
-- the RECURSIVE keyword.
with recursive countdown (account_id, n) as (
    select account_id, transaction_count
    from {{ ref('eph_account_totals') }}
    union all
    select account_id, n - 1
    from countdown
    where n > 1
)

select account_id, count(*) as steps
from countdown
group by account_id
