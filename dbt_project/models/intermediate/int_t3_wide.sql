-- 表三 wide: one row per latest report and applicant column, one column per row of the table (null = printed
-- blank or not printed; the long shape, int_report_cells, keeps that difference).
-- The row keys are those of seeds/t3_rows.csv, in printed order.
{%- set t3_row_keys = [
    'new_received',
    'carried_over',
    'granted',
    'partially_granted',
    'denied_state_secret',
    'denied_law_prohibited',
    'denied_security_stability',
    'denied_third_party',
    'denied_internal_affairs',
    'denied_process_info',
    'denied_enforcement_file',
    'denied_admin_query',
    'unavailable_not_held',
    'unavailable_needs_creation',
    'unavailable_unclear',
    'rejected_petition',
    'rejected_duplicate',
    'rejected_publication',
    'rejected_excessive',
    'rejected_confirmation',
    'other_no_correction',
    'other_unpaid_fee',
    'other_misc',
    'other_processing',
    'total_processed',
    'carried_forward'
] %}

with

t3_cells as (

    select * from {{ ref('int_report_cells') }}
    where table_no = 3

),

wide as (

    select
        document_hash,
        agency,
        year,
        template,
        col_key as applicant_type,
        {%- for row_key in t3_row_keys %}
        max(value) filter (where row_key = '{{ row_key }}') as {{ row_key }}{{ "," if not loop.last }}
        {%- endfor %}

    from t3_cells
    group by document_hash, agency, year, template, col_key

)

select * from wide
