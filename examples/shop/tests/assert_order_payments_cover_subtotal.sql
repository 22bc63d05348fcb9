-- Completed orders must have been paid for. Orders are returned as failures
-- when nothing at all was paid against them.
select
    order_id,
    subtotal,
    amount
from {{ ref('orders') }}
where is_completed
  and amount <= 0
