-- 表三 long: one row per agency, year, applicant type and row of the table (intake, outcome, totals,
-- carried forward), from the representative report per agency and year, with the labels the table prints. A
-- cell printed blank keeps a null count. `value_status` says whether the count can be quoted: printed (read with
-- certainty), uncertain (a provisional reading), corrected (a maintainer's value).

with

report_cells as (

    select * from {{ ref('int_report_cells') }}
    where table_no = 3

),

t3_rows as (select * from {{ ref('t3_rows') }}),
t3_columns as (select * from {{ ref('t3_columns') }}),

outcomes as (

    select
        report_cells.document_hash || ':' || report_cells.cell_key as cell_id,
        report_cells.agency,
        report_cells.year,
        report_cells.template,
        report_cells.document_hash,
        report_cells.row_key as outcome,
        t3_rows.label_zh as outcome_label_zh,
        t3_rows.outcome_group,
        t3_rows.row_order as outcome_order,
        report_cells.col_key as applicant_type,
        t3_columns.label_zh as applicant_type_label_zh,
        t3_columns.applicant_group,
        t3_columns.col_order as applicant_order,
        {{ as_count('report_cells.value') }} as application_count,
        report_cells.value_status,
        report_cells.extracted_value

    from report_cells
    left join t3_rows
        on report_cells.row_key = t3_rows.row_key
    left join t3_columns
        on report_cells.col_key = t3_columns.col_key

)

select * from outcomes
