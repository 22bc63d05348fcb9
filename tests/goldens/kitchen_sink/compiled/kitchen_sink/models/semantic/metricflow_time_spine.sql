

with days as (
    
select cast(generate_series as date) as date_day
from generate_series(cast('2024-01-01' as date), cast('2024-12-31' as date), interval 1 day)

)

select cast(date_day as date) as date_day
from days