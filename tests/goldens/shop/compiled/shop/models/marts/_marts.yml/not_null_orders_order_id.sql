
    
    



select order_id
from "dev"."main"."orders"
where order_id is null


