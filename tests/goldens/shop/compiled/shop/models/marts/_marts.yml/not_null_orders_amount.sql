
    
    



select amount
from "dev"."main"."orders"
where amount is null


