

select
    t.created_date,
    t.currency_code,
    sum(t.amount) as amount,
    sum(t.amount * r.rate_to_usd) as amount_usd
from dev.main_staging.stg_txn as t
inner join dev.main.finance_fx_rates as r
    on t.currency_code = r.currency_code
where t.status = 'settled'
group by 1, 2