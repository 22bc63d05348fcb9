
    
    



select id
from dev.main.raw_accounts
where id is null


