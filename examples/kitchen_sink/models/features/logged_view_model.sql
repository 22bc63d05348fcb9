{{ config(materialized='logged_view') }}

select account_id, region from {{ ref('stg_accounts') }} where region = 'EMEA'
