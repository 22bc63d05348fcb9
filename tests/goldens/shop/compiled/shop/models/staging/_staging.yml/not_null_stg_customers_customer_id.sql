
    
    



select customer_id
from "dev"."main"."stg_customers"
where customer_id is null


