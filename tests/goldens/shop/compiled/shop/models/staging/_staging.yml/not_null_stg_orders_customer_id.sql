
    
    



select customer_id
from "dev"."main"."stg_orders"
where customer_id is null


