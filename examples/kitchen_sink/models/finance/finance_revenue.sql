{{ config(materialized='table') }}

select
    t.created_date,
    t.currency_code,
    sum(t.amount) as amount,
    sum(t.amount * r.rate_to_usd) as amount_usd
from {{ ref('stg_transactions') }} as t
inner join {{ ref('finance_fx_rates') }} as r
    on t.currency_code = r.currency_code
where t.status = 'settled'
group by 1, 2
