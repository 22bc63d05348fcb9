



select
    account_id,
    count(*) as event_count,
    min(occurred_at) as first_event_at,
    max(occurred_at) as last_event_at
from dev.main_staging.stg_events
group by account_id