select
    a.*,
    coalesce(t.transaction_count, 0) as transaction_count
from {{ ref('dim_accounts', version=2) }} as a
left join {{ ref('eph_account_totals') }} as t
    on a.account_id = t.account_id
