

select
    status,
    count(*) as failures
from dev.main.fct_transactions
where not (amount_usd >= 0)
group by status
having count(*) > 0

