-- 表四 long: one row per agency, year, proceeding (行政复议, 未经复议直接起诉, 复议后起诉) and result
-- (维持, 纠正, 其他, 尚未审结, 总计), from the representative report per agency and year. Reports that print
-- no 表四 have no rows. `value_status`: printed | uncertain | corrected (see fct_application_outcomes).

with

report_cells as (

    select * from {{ ref('int_report_cells') }}
    where table_no = 4

),

cases as (

    select
        document_hash || ':' || cell_key as cell_id,
        agency,
        year,
        template,
        document_hash,
        row_key as proceeding,
        col_key as result,
        {{ as_count('value') }} as case_count,
        value_status,
        extracted_value

    from report_cells

)

select * from cases
