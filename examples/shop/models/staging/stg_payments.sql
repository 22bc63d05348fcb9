with source as (

    select * from {{ source('jaffle_raw', 'payments') }}

),

renamed as (

    select
        id as payment_id,
        order_id,
        payment_method,
        -- amounts are stored in cents in the raw data
        {{ cents_to_dollars('amount') }} as amount

    from source

)

select * from renamed
