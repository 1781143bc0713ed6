{#- How agency names are compared (stg_documents.agency_normalized, the alias seed, int_agency_names): the
    printed name without whitespace (ASCII, full-width or non-breaking), with full-width brackets, the
    standard abbreviations of agency names spelled out, and "区政府" as "区人民政府" (likewise 县, 市, 旗, 州).
    Each abbreviation expands to a name that does not contain it, so the order of the list does not matter. -#}
{% macro agency_name_abbreviations() %}
    {{ return([
        ('工信局', '工业和信息化局'),
        ('发改委', '发展和改革委员会'),
        ('发改局', '发展和改革局'),
        ('人社局', '人力资源和社会保障局'),
        ('住建局', '住房和城乡建设局'),
        ('卫健委', '卫生健康委员会'),
        ('卫健局', '卫生健康局'),
        ('医保局', '医疗保障局'),
        ('市场监管局', '市场监督管理局'),
        ('文旅局', '文化和旅游局'),
        ('应急局', '应急管理局'),
        ('退役军人局', '退役军人事务局'),
    ]) }}
{% endmacro %}

{% macro normalize_agency_name(column) -%}
nullif(
    {%- for _ in agency_name_abbreviations() %}replace({% endfor -%}
    regexp_replace(
        replace(replace(regexp_replace(trim({{ column }}), '[\s\x{3000}\x{00a0}\x{feff}]+', '', 'g'), '(', '（'), ')', '）'),
        '([区县市旗州])政府$', '\1人民政府'
    )
    {%- for abbreviation, full_name in agency_name_abbreviations() %}, '{{ abbreviation }}', '{{ full_name }}'){% endfor -%}
, '')
{%- endmacro %}

{#- A name that starts with an administrative unit below the province (洪泽区…, 金昌市…, 黔西南州…): the
    names that may be printed with or without the province or city above it. -#}
{% macro starts_with_local_unit(column) -%}
regexp_matches({{ column }}, '^.{2,12}?(区|县|市|旗|州|盟)')
{%- endmacro %}

{#- A run of province- or city-level units only (江苏省, 淮安市, 江苏省淮安市, 黔西南布依族苗族自治州): what a
    printed name may have in front of a district's or county's name. -#}
{% macro is_unit_prefix(column) -%}
regexp_full_match({{ column }}, '(.{1,10}?(省|自治区|市|自治州|州|盟|地区))+')
{%- endmacro %}
