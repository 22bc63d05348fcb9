
    
    



select account_id
from dev.main.dim_accounts_v1
where account_id is null


