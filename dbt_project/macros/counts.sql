{#- A count as BI tools expect it: BIGINT. A value that is not a whole number is not a count (counts_6 fails
    it; the mart's extracted_value keeps it) and gives null rather than a rounded number nobody printed. -#}
{% macro as_count(column) -%}
cast(case when {{ column }} = trunc({{ column }}) then {{ column }} end as bigint)
{%- endmacro %}
