
    
    



select account_id
from dev.main_staging.stg_accounts
where account_id is null


