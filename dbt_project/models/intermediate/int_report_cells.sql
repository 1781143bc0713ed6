-- A table, not a view: several models and data tests read it, and as a view each of them computed it again
-- (at 10,000 reports its tests alone took seconds each).
{{ config(materialized='table') }}

-- The cells of the representative report per agency and year (corrections applied), with the report's
-- attributes: what the fact marts and the checks across years read.

with

representative_reports as (select * from {{ ref('int_representative_reports') }}),
cells as (select * from {{ ref('int_document_cells') }}),

report_cells as (

    select
        representative_reports.document_hash,
        representative_reports.agency,
        representative_reports.year,
        representative_reports.template,
        cells.cell_key,
        cells.table_no,
        cells.row_key,
        cells.col_key,
        cells.value,
        cells.value_status,
        cells.extracted_value,
        cells.unit,
        cells.line,
        cells.page

    from cells
    inner join representative_reports
        on cells.document_hash = representative_reports.document_hash

)

select * from report_cells
