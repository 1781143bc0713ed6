-- 表二 long: one row per agency, year, category (规章, 行政许可, 行政事业性收费, ...) and measure
-- (issued, decisions, amount, ...), from the representative report per agency and year. The measures depend
-- on the template (2019 or 2021). `value` and `unit` are as printed (or as a maintainer corrected them);
-- `count_value` is the value of a count as an integer, `amount_wan_yuan` an amount of money in 万元
-- (元 / 10000; the 2021 fees column prints 万元 in its header). `value_status`: printed | uncertain |
-- corrected (see fct_application_outcomes).

with

report_cells as (

    select * from {{ ref('int_report_cells') }}
    where table_no = 2

),

t2_rows as (select * from {{ ref('t2_rows') }}),
t2_columns as (select * from {{ ref('t2_columns') }}),
t2_cells as (select * from {{ ref('t2_cells') }}),

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
        t2_cells.value_kind,
        case when t2_cells.value_kind = 'count' then {{ as_count('report_cells.value') }} end as count_value,
        case
            when t2_cells.value_kind <> 'amount' or report_cells.value is null then null
            when report_cells.value = 0 then 0  -- nothing, whatever the unit
            when coalesce(report_cells.unit, nullif(t2_cells.template_unit, '')) = '万元' then report_cells.value
            when coalesce(report_cells.unit, nullif(t2_cells.template_unit, '')) = '元' then report_cells.value / 10000
        end as amount_wan_yuan,
        report_cells.value_status,
        report_cells.extracted_value

    from report_cells
    left join t2_rows
        on report_cells.template = t2_rows.template and report_cells.row_key = t2_rows.row_key
    left join t2_columns
        on report_cells.template = t2_columns.template and report_cells.col_key = t2_columns.col_key
    left join t2_cells
        on report_cells.cell_key = t2_cells.cell_key

)

select * from disclosures
