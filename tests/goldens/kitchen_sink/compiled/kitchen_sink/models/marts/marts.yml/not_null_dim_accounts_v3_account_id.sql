
    
    



select account_id
from dev.main.dim_accounts_next
where account_id is null


