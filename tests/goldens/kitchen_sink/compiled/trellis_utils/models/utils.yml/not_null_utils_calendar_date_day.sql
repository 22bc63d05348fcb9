
    
    



select date_day
from dev.main_utils.utils_calendar
where date_day is null


