-- Check 6 of the spec (counts_6): every count a report prints is a non-negative integer. The 2019 表二
-- `change` column may be negative, and amounts (fees, procurement) are decimals, so neither is a count.
-- One fail row per offending cell (lhs the value, rhs the nearest count); one pass row per table of a report
-- without any (lhs = rhs = the number of counts read). Checked documents only, on the corrected values;
-- which cells are amounts comes from the seed t2_cells.

with

reporting_documents as (select * from {{ ref('int_reporting_documents') }} where is_checked),
cells as (select * from {{ ref('int_document_cells') }}),
amount_cells as (select cell_key from {{ ref('t2_cells') }} where value_kind = 'amount'),

count_cells as (

    select
        cells.document_hash,
        cells.cell_key,
        cells.table_no,
        cells.value,
        cells.line,
        cells.page,
        cells.value < 0 and cells.col_key <> 'change' as is_negative,
        cells.value <> floor(cells.value) as is_fraction
    from cells
    inner join reporting_documents
        on cells.document_hash = reporting_documents.document_hash
    where cells.value is not null
        and cells.cell_key not in (select cell_key from amount_cells)

),

offending_counts as (

    select
        document_hash,
        null as compared_document_hash,
        'counts_6' as check_code,
        'cell' as scope_kind,
        cell_key as scope,
        value as lhs,
        case when is_negative then 0 else round(value) end as rhs,
        'fail' as result,
        null as missing_cells,
        case when is_negative then 'negative count ' else 'count that is not an integer ' end
            || cell_key || ' = ' || value as detail,
        line,
        page
    from count_cells
    where is_negative or is_fraction

),

clean_tables as (

    select
        document_hash,
        null as compared_document_hash,
        'counts_6' as check_code,
        'table' as scope_kind,
        't' || table_no as scope,
        count(*) as lhs,
        count(*) as rhs,
        'pass' as result,
        null as missing_cells,
        count(*) || ' counts, all non-negative integers' as detail,
        null as line,
        null as page
    from count_cells
    group by document_hash, table_no
    having not bool_or(is_negative or is_fraction)

),

checks as (

    select * from offending_counts
    union all by name
    select * from clean_tables

)

{{ select_check_rows('checks') }}
