{#- A generic test defined in the macros folder, applied at model level. -#}
{% test expression_holds(model, expression, group_by=none) %}

select
    {% if group_by %}{{ group_by | join(', ') }},{% endif %}
    count(*) as failures
from {{ model }}
where not ({{ expression }})
{% if group_by %}group by {{ group_by | join(', ') }}{% endif %}
having count(*) > 0

{% endtest %}
