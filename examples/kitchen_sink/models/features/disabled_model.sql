{{ config(enabled=false) }}

select * from {{ ref('model_that_does_not_exist') }}
