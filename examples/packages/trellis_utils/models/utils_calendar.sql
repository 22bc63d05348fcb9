{#- A small calendar built from the package's own dispatched day_series macro.
    The date range comes from package-scoped vars. -#}

with days as (
    {{ trellis_utils.day_series(var('calendar_start'), var('calendar_end')) }}
)

select
    date_day,
    extract(year from date_day) as calendar_year,
    extract(month from date_day) as calendar_month,
    case
    {%- for quarter in trellis_utils.fiscal_quarters(2024) %}
        when extract(month from date_day) between {{ quarter.start_month }} and {{ quarter.start_month + 2 }} then '{{ quarter.name }}'
    {%- endfor %}
    end as fiscal_quarter,
    '{{ trellis_utils.greeting() }}' as greeting
from days
