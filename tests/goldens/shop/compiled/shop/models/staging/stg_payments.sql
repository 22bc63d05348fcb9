with source as (

    select * from "dev"."main"."raw_payments"

),

renamed as (

    select
        id as payment_id,
        order_id,
        payment_method,
        -- amounts are stored in cents in the raw data
        round(cast(amount as decimal(16, 2)) / 100, 2) as amount

    from source

)

select * from renamed