
    
    



select transaction_id
from dev.main_staging.stg_txn
where transaction_id is null


