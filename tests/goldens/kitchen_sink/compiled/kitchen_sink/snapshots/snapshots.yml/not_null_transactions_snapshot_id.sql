
    
    



select id
from dev.main_snapshots.transactions_snapshot
where id is null


