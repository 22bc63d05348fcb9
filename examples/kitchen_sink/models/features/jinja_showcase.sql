{#-
    Exercises the Jinja constructs dbt projects commonly rely on. Nothing in
    here depends on the wall clock: dates are built from literals and vars.
-#}
{%- set regions = ['emea', 'amer', 'apac'] -%}
{%- set ns = namespace(total=0, labels=[]) -%}
{%- for region in regions -%}
    {%- set ns.total = ns.total + loop.index -%}
    {%- set ns.labels = ns.labels + [region | upper] -%}
{%- endfor -%}

{%- set collected = [] -%}
{%- for tier in ['free', 'pro', 'enterprise'] if tier != 'pro' -%}
    {%- do collected.append(tier ~ '_' ~ loop.index) -%}
{%- endfor -%}

{%- set settings = {'precision': 2} -%}
{%- do settings.update({'currency': var('reporting_currency'), 'precision': 4}) -%}

{%- set base_date = modules.datetime.date(2024, 1, 31) -%}
{%- set window_start = base_date - modules.datetime.timedelta(days=var('history_days')) -%}
{%- set month_end = modules.datetime.datetime(2024, 2, 29, 23, 59, 59) -%}

{%- set statuses = trellis_utils.status_labels() -%}
{%- set quarters = trellis_utils.fiscal_quarters(2025) -%}
{%- set row_limit = trellis_utils.default_row_limit() -%}
{%- set columns = kitchen_sink.column_list('t', ['account_id', 'amount']) -%}

{%- set parsed = fromjson('{"enabled": true, "weights": [3, 1, 2]}') -%}
{%- set yaml_config = fromyaml('threshold: 5\nnames:\n  - alpha\n  - beta\n') -%}

{%- if var('history_days') < 0 -%}
    {{ exceptions.raise_compiler_error("history_days must not be negative") }}
{%- endif -%}

{% set long_comment %}
    regions={{ regions | join('/') }}
{% endset %}

with {% call kitchen_sink.named_cte('limits') -%}
    select {{ row_limit }} as row_limit
{%- endcall %}

select
    {{ ns.total }} as region_index_sum,
    '{{ ns.labels | join(",") }}' as region_labels,
    '{{ collected | join(",") }}' as collected_tiers,
    {{ collected | length }} as collected_count,
    '{{ settings.currency }}' as settings_currency,
    {{ settings['precision'] }} as settings_precision,
    date '{{ window_start.isoformat() }}' as window_start,
    date '{{ base_date.strftime("%Y-%m-%d") }}' as window_end,
    timestamp '{{ month_end }}' as month_end,
    {{ (month_end.date() - base_date).days }} as days_between,
    '{{ modules.re.sub("[^a-z]", "_", "Fiscal Year-2025") }}' as cleaned_label,
    {{ kitchen_sink.label_case('t.status', statuses) }} as status_label,
    '{{ quarters | map(attribute="name") | join(",") }}' as fiscal_quarter_names,
    '{{ quarters[1].name }}' as second_quarter,
    {{ row_limit * 2 }} as doubled_limit,
    {{ columns | join(' + ') }} as column_sum,
    {{ parsed.weights | sum }} as weight_total,
    {{ 'true' if parsed.enabled else 'false' }} as parsed_enabled,
    {{ yaml_config.threshold }} as yaml_threshold,
    '{{ yaml_config.names | last }}' as yaml_last_name,
    '{{ tojson({"b": 1, "a": [1, 2]}) }}' as json_text,
    '{{ "%s-%03d" | format("acct", 7) }}' as formatted,
    '{{ "already_trimmed  " | trim }}' as trimmed,
    '{{ "snake_case_words" | replace("_", " ") | title }}' as titled,
    {{ [3, 1, 2] | sort | first }} as smallest,
    {{ range(3) | list | length }} as range_length,
    '{{ long_comment | trim }}' as captured_block,
    {% raw %}'{{ not rendered }}'{% endraw %} as raw_text,
    '{{ local_md5("kitchen_sink") }}' as md5_of_name,
    {{ 'null' if var('undefined_var', none) is none else var('undefined_var') }} as undefined_var,
    '{{ model.name }}' as model_name,
    '{{ model.unique_id }}' as model_unique_id
from {{ ref('stg_transactions') }} as t
cross join limits
limit {{ row_limit }}
