{#- Schemas named after the layer (staging, intermediate, marts, reference) instead of dbt's default
    <target_schema>_<layer>, so consumers read `marts.fct_reports`. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}{{ target.schema }}{%- else -%}{{ custom_schema_name | trim }}{%- endif -%}
{%- endmacro %}
