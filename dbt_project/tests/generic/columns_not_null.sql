{#- not_null for several columns of one model in one query: one row per column that holds a null, with how many
    rows hold it (the test fails on any row). One test instead of one per column: each dbt test is a node dbt
    compiles and runs in turn, and a daily build after new documents runs these tests again on every table. -#}
{% test columns_not_null(model, columns) %}
{%- for column in columns %}
select '{{ column }}' as null_column, count(*) as null_rows
from {{ model }}
where {{ adapter.quote(column) }} is null
having count(*) > 0
{% if not loop.last %}union all{% endif %}
{%- endfor %}
{% endtest %}
