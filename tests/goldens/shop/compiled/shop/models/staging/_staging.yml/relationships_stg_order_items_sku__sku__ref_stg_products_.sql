
    
    

with child as (
    select sku as from_field
    from "dev"."main"."stg_order_items"
    where sku is not null
),

parent as (
    select sku as to_field
    from "dev"."main"."stg_products"
)

select
    from_field

from child
left join parent
    on child.from_field = parent.to_field

where parent.to_field is null


