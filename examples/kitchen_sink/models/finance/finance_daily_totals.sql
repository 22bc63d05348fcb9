select
    created_date,
    sum(amount_usd) as amount_usd
from {{ ref('finance_revenue') }}
group by created_date
