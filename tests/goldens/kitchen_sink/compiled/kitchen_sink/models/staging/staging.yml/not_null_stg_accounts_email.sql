
    
    



select email
from (select * from dev.main_staging.stg_accounts where tier = 'enterprise') dbt_subquery
where email is null


