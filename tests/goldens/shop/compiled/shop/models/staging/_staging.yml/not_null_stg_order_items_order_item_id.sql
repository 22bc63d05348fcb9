
    
    



select order_item_id
from "dev"."main"."stg_order_items"
where order_item_id is null


