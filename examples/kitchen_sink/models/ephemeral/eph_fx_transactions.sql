{#- second level: convert to the reporting currency -#}
select
    t.transaction_id,
    t.account_id,
    t.status,
    t.created_date,
    t.amount,
    t.currency_code,
    round(t.amount * r.rate_to_usd, 2) as amount_usd,
    '{{ var("reporting_currency") }}' as reporting_currency
from {{ ref('eph_base_transactions') }} as t
left join {{ ref('stg_currency_rates') }} as r
    on t.currency_code = r.currency_code
