-- ad hoc: the ten accounts with the most settled revenue
select
    account_id,
    account_name,
    net_amount_usd
from dev.main.account_summary
order by net_amount_usd desc
limit 10