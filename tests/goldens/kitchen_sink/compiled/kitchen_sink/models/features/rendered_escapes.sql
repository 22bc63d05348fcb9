


select 'hello' as greeting