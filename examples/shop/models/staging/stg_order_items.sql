select
    id as order_item_id,
    order_id,
    upper(sku) as sku,
    quantity
from {{ source('jaffle_raw', 'order_items') }}
