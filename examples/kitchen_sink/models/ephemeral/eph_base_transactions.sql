{#- first level: filter to the statuses this project reports on -#}
select *
from {{ ref('stg_transactions') }}
where status in ({{ kitchen_sink.quoted_list(var('status_filter')) }})
