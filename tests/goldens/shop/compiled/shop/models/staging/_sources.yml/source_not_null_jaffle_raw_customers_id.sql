
    
    



select id
from "dev"."main"."raw_customers"
where id is null


