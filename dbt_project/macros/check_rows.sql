{#- The shape of a check row, one evaluation of one check, declared once: every model that computes a check
    ends with `{{ select_check_rows('<its last CTE>') }}`, so fct_check_results unions rows of one shape.

      document_hash           the report evaluated
      compared_document_hash  the other report a cross-year check compared it with (null otherwise)
      check_code              the check, a code of the seed check_catalogue
      scope_kind, scope       what was evaluated: a 表三 column or row, a cell, a table, a statement, ...
      lhs, rhs                the two sides compared (null where a side could not be read)
      result                  pass | fail | incomplete (a cell the check needs is blank or absent) |
                              not_evaluated (a check across years without the report to compare with)
      missing_cells           the blank or absent cells of an incomplete evaluation
      detail                  one line for people: what was compared, what is wrong, or why it was not
                              evaluated
      line, page              where to look in the source document (null when no single place)
-#}
{% macro check_row_columns() %}
    {{ return([
        ('document_hash', 'varchar'),
        ('compared_document_hash', 'varchar'),
        ('check_code', 'varchar'),
        ('scope_kind', 'varchar'),
        ('scope', 'varchar'),
        ('lhs', 'double'),
        ('rhs', 'double'),
        ('result', 'varchar'),
        ('missing_cells', 'varchar'),
        ('detail', 'varchar'),
        ('line', 'integer'),
        ('page', 'integer'),
    ]) }}
{% endmacro %}

{#- `select <the check-row columns, cast to their types> from relation`: a column the check does not have
    is written `null as <column>` in the relation. -#}
{% macro select_check_rows(relation) -%}
select
{%- for name, data_type in check_row_columns() %}
    cast({{ name }} as {{ data_type }}) as {{ name }}{{ "," if not loop.last }}
{%- endfor %}
from {{ relation }}
{%- endmacro %}
