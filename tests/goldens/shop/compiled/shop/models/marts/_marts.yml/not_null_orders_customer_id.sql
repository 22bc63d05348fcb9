
    
    



select customer_id
from "dev"."main"."orders"
where customer_id is null


