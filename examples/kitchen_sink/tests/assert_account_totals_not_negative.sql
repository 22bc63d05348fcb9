-- singular test reading an ephemeral model: its CTE is injected here too
select account_id, transaction_count
from {{ ref('eph_account_totals') }}
where transaction_count < 0
