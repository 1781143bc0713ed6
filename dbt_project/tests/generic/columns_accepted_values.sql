{#- accepted_values for several columns of one model in one query: `values` maps each column to the values it
    may hold (strings quoted, numbers as they are; null is always accepted, as in dbt's accepted_values). One row
    per column and value not accepted, with how many rows hold it (the test fails on any row). One test instead of
    one per column, as columns_not_null. -#}
{% test columns_accepted_values(model, values) %}
{%- for column, accepted in values.items() %}
select '{{ column }}' as column_name, cast({{ adapter.quote(column) }} as varchar) as value_not_accepted,
       count(*) as rows_holding_it
from {{ model }}
where {{ adapter.quote(column) }} is not null
  and {{ adapter.quote(column) }} not in (
    {%- for value in accepted -%}
    {%- if value is string %}'{{ value | replace("'", "''") }}'{% else %}{{ value }}{% endif %}
    {%- if not loop.last %}, {% endif -%}
    {%- endfor -%})
group by all
{% if not loop.last %}union all{% endif %}
{%- endfor %}
{% endtest %}
