-- 表二 long: one row per agency, year, category (规章, 行政许可, 行政事业性收费, ...) and measure
-- (issued, decisions, amount, ...), from the latest report per agency and year. The measures depend on the
-- template (2019 or 2021); amounts keep the unit the report printed.

with

report_cells as (

    select * from {{ ref('int_report_cells') }}
    where table_no = 2

),

disclosures as (

    select
        document_hash || ':' || cell_key as cell_id,
        agency,
        year,
        template,
        document_hash,
        row_key as category,
        col_key as measure,
        value,
        unit

    from report_cells

)

select * from disclosures
