-- 表四 long: one row per agency, year, proceeding (行政复议, 未经复议直接起诉, 复议后起诉) and result
-- (维持, 纠正, 其他, 尚未审结, 总计), from the representative report per agency and year. Reports that print
-- no 表四 have no rows. `value_status`: printed | uncertain | corrected (see fct_application_outcomes).

with

report_cells as (

    select * from {{ ref('int_report_cells') }}
    where table_no = 4

),

t4_rows as (select * from {{ ref('t4_rows') }}),
t4_columns as (select * from {{ ref('t4_columns') }}),

cases as (

    select
        report_cells.document_hash || ':' || report_cells.cell_key as cell_id,
        report_cells.agency,
        report_cells.year,
        report_cells.template,
        report_cells.document_hash,
        report_cells.row_key as proceeding,
        t4_rows.label_zh as proceeding_label_zh,
        report_cells.col_key as result,
        t4_columns.label_zh as result_label_zh,
        {{ as_count('report_cells.value') }} as case_count,
        report_cells.value_status,
        report_cells.extracted_value

    from report_cells
    left join t4_rows
        on report_cells.row_key = t4_rows.row_key
    left join t4_columns
        on report_cells.col_key = t4_columns.col_key

)

select * from cases
