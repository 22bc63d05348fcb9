
    
    



select order_id
from "dev"."main"."stg_orders"
where order_id is null


