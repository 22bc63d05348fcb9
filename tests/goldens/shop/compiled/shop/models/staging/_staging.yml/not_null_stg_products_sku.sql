
    
    



select sku
from "dev"."main"."stg_products"
where sku is null


