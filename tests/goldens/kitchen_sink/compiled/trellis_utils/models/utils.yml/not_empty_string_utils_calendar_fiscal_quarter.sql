

select fiscal_quarter
from dev.main_utils.utils_calendar
where trim(fiscal_quarter) = ''

