{% test in_range(model, column_name, min_value, max_value, inclusive=true) %}

{{ config(severity='warn', tags=['range']) }}

select {{ column_name }}
from {{ model }}
where {{ column_name }} {{ '<' if inclusive else '<=' }} {{ min_value }}
   or {{ column_name }} {{ '>' if inclusive else '>=' }} {{ max_value }}

{% endtest %}
