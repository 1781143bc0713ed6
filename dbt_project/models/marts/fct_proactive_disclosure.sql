-- 表二 long: one row per agency, year, category (规章, 行政许可, 行政事业性收费, ...) and measure
-- (issued, decisions, amount, ...), from the latest report per agency and year. The measures depend on the
-- template (2019 or 2021); amounts keep the unit the report printed.

with

report_cells as (

    select * from {{ ref('int_report_cells') }}
    where table_no = 2

),

t2_rows as (select * from {{ ref('t2_rows') }}),
t2_columns as (select * from {{ ref('t2_columns') }}),

disclosures as (

    select
        report_cells.document_hash || ':' || report_cells.cell_key as cell_id,
        report_cells.agency,
        report_cells.year,
        report_cells.template,
        report_cells.document_hash,
        report_cells.row_key as category,
        t2_rows.label_zh as category_label_zh,
        report_cells.col_key as measure,
        t2_columns.label_zh as measure_label_zh,
        report_cells.value,
        report_cells.unit,
        -- the measures that count items (all but the amounts of money) as whole numbers
        case when t2_columns.is_count then cast(report_cells.value as bigint) end as item_count

    from report_cells
    left join t2_rows
        on report_cells.template = t2_rows.template and report_cells.row_key = t2_rows.row_key
    left join t2_columns
        on report_cells.template = t2_columns.template and report_cells.col_key = t2_columns.col_key

)

select * from disclosures
