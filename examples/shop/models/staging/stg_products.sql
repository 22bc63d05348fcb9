{{ config(materialized='table') }}

select
    sku,
    name as product_name,
    type as product_type,
    price,
    description,
    type = 'beverage' as is_beverage
from {{ ref('raw_products') }}
