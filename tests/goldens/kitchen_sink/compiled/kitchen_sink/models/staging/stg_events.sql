select
    event_id,
    account_id,
    event_type,
    cast(occurred_at as timestamp) as occurred_at
from dev.main."raw_events"