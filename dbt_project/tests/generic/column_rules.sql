{#- Every rule on a model's columns in one test, so one node per model: each dbt test is a node dbt compiles and
    runs in turn (about 25 ms each here), and a build after new documents runs these again on the sources, the
    staging models and every mart (48 nodes of one rule each took about 0.45 s more of that build than 17).
      not_null: [column, ...]            no null
      unique: [column, ...]              no value held by two rows (each column on its own; null aside)
      accepted_values: {column: [...]}  only these values (strings quoted, numbers as they are; null aside)
      references: {column: {to: model or seed, field: column}}
                  {column: {source: [source, table], field: column}}
                                         every value is one of the field's (null aside), as dbt's relationships
    One row per broken rule, column and value (the test fails on any row): `rule`, `column_name`, `value` (null
    for not_null) and `failing_rows`, how many rows break it. -#}
{% test column_rules(model, not_null=[], unique=[], accepted_values={}, references={}) %}
{%- set checks = [] -%}
{%- for column in not_null -%}
    {%- do checks.append(
        "select 'not_null' as rule, '" ~ column ~ "' as column_name, cast(null as varchar) as value, count(*) as failing_rows"
        ~ " from " ~ model ~ " where " ~ adapter.quote(column) ~ " is null having count(*) > 0") -%}
{%- endfor -%}
{%- for column in unique -%}
    {%- do checks.append(
        "select 'unique', '" ~ column ~ "', cast(" ~ adapter.quote(column) ~ " as varchar), count(*)"
        ~ " from " ~ model ~ " where " ~ adapter.quote(column) ~ " is not null group by all having count(*) > 1") -%}
{%- endfor -%}
{%- for column, accepted in accepted_values.items() -%}
    {%- set listed = [] -%}
    {%- for value in accepted -%}
        {%- do listed.append("'" ~ (value | replace("'", "''")) ~ "'" if value is string else value | string) -%}
    {%- endfor -%}
    {%- do checks.append(
        "select 'accepted_values', '" ~ column ~ "', cast(" ~ adapter.quote(column) ~ " as varchar), count(*)"
        ~ " from " ~ model ~ " where " ~ adapter.quote(column) ~ " is not null and " ~ adapter.quote(column)
        ~ " not in (" ~ listed | join(", ") ~ ") group by all") -%}
{%- endfor -%}
{%- for column, target in references.items() -%}
    {%- set parent = source(target['source'][0], target['source'][1]) if target.get('source') else ref(target['to']) -%}
    {%- do checks.append(
        "select 'references', '" ~ column ~ "', cast(child." ~ adapter.quote(column) ~ " as varchar), count(*)"
        ~ " from " ~ model ~ " as child where child." ~ adapter.quote(column) ~ " is not null and not exists ("
        ~ "select 1 from " ~ parent ~ " as parent where parent." ~ adapter.quote(target['field'])
        ~ " = child." ~ adapter.quote(column) ~ ") group by all") -%}
{%- endfor -%}
{{ checks | join("\nunion all\n") }}
{% endtest %}
