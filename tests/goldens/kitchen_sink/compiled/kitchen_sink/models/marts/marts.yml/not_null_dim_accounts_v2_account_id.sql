
    
    



select account_id
from dev.main.dim_accounts_v2
where account_id is null


