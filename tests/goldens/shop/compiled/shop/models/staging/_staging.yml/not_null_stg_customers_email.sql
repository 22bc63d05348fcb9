
    
    



select email
from "dev"."main"."stg_customers"
where email is null


