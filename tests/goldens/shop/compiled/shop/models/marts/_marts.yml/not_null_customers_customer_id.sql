
    
    



select customer_id
from "dev"."main"."customers"
where customer_id is null


