

-- batches are filtered on event_time at run time; compiled SQL has no filter
select
    event_id,
    account_id,
    event_type,
    occurred_at
from dev.main_staging.stg_events