select
    id as order_item_id,
    order_id,
    upper(sku) as sku,
    quantity
from "dev"."main"."raw_order_items"