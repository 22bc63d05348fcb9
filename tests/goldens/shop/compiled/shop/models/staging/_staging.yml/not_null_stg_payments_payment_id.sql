
    
    



select payment_id
from "dev"."main"."stg_payments"
where payment_id is null


