{{ config(materialized='table', tags=['from_package_call']) }}
{# The root project's config for this model wins over this config() call. #}
select 1 as id
