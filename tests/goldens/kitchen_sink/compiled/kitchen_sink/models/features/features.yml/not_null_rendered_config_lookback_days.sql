
    
    



select lookback_days
from (select * from dev.main.rendered_config where lookback_days > 10) dbt_subquery
where lookback_days is null


