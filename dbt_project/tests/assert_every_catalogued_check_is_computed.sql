-- Every check of the catalogue (seed check_catalogue) is computed by an intermediate model. Such a model names
-- the codes it computes for its check_code column in its columns_accepted_values test, which its rows are held
-- to; the codes are read from the project graph, so a catalogued check that no model computes fails the build
-- even when no report has exercised it yet.
{%- set computed_codes = [] -%}
{%- if execute -%}
    {%- for node in graph.nodes.values()
            if node.resource_type == 'test'
            and (node.test_metadata or {}).get('name') == 'columns_accepted_values'
            and graph.nodes[node.attached_node].fqn[1] == 'intermediate' -%}
        {%- do computed_codes.extend(node.test_metadata.kwargs['values'].get('check_code', [])) -%}
    {%- endfor -%}
{%- endif %}

select check_code
from {{ ref('check_catalogue') }}
where check_code not in ({% for code in computed_codes %}'{{ code }}', {% endfor %}'')
