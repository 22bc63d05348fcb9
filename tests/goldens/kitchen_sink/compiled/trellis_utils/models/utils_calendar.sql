with days as (
    
select cast(generate_series as date) as date_day
from generate_series(cast('2024-01-01' as date), cast('2024-01-31' as date), interval 1 day)

)

select
    date_day,
    extract(year from date_day) as calendar_year,
    extract(month from date_day) as calendar_month,
    case
        when extract(month from date_day) between 1 and 3 then 'FY2024-Q1'
        when extract(month from date_day) between 4 and 6 then 'FY2024-Q2'
        when extract(month from date_day) between 7 and 9 then 'FY2024-Q3'
        when extract(month from date_day) between 10 and 12 then 'FY2024-Q4'
    end as fiscal_quarter,
    'hello from kitchen_sink' as greeting
from days