{{ config(materialized='table') }}

with days as (
    {{ trellis_utils.day_series('2024-01-01', '2024-12-31') }}
)

select cast(date_day as date) as date_day
from days
