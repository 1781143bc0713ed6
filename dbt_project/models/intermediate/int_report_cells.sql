-- The printed cells of the latest report per agency and year, with the report's attributes.

with

latest_reports as (select * from {{ ref('int_latest_reports') }}),
cells as (select * from {{ ref('stg_cells') }}),

report_cells as (

    select
        latest_reports.document_hash,
        latest_reports.agency,
        latest_reports.year,
        latest_reports.template,
        cells.cell_key,
        cells.table_no,
        cells.row_key,
        cells.col_key,
        cells.value,
        cells.unit

    from cells
    inner join latest_reports
        on cells.document_hash = latest_reports.document_hash

)

select * from report_cells
