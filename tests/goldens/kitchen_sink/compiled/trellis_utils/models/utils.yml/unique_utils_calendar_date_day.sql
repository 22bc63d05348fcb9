
    
    

select
    date_day as unique_field,
    count(*) as n_records

from dev.main_utils.utils_calendar
where date_day is not null
group by date_day
having count(*) > 1


