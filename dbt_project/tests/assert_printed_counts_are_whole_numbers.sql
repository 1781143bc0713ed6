-- The fact marts give 表三 and 表四 counts (and 表二 item counts) as integers: a printed count with a fractional
-- part would be rounded there. Such a cell is a misread, not a fact; warn rather than fail the build (the
-- identities flag the sums it breaks).
{{ config(severity='warn') }}

with

report_cells as (select * from {{ ref('int_report_cells') }}),
t2_columns as (select * from {{ ref('t2_columns') }})

select report_cells.document_hash, report_cells.cell_key, report_cells.value
from report_cells
left join t2_columns
    on report_cells.table_no = 2
    and report_cells.template = t2_columns.template
    and report_cells.col_key = t2_columns.col_key
where report_cells.value <> round(report_cells.value)
    and (report_cells.table_no in (3, 4) or t2_columns.is_count)
