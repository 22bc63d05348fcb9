

select
    
    count(*) as failures
from dev.main.fct_transactions
where not (signed_amount_usd <= amount_usd)

having count(*) > 0

