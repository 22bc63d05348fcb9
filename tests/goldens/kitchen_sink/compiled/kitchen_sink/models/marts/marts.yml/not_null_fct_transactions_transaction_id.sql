
    
    



select transaction_id
from dev.main.fct_transactions
where transaction_id is null


