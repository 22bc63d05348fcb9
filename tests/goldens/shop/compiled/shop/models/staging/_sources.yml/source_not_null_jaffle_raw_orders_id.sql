
    
    



select id
from "dev"."main"."raw_orders"
where id is null


