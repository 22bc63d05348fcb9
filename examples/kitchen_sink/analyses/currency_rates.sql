-- a source with no quoting of its own: `source()` quotes as the adapter
-- does, whatever the project's `quoting:` says
select * from {{ source('reference', 'currency_rates') }}
