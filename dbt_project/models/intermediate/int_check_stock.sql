-- Check 7 of the spec (stock_7), 2021 表二: the documents in force follow from last year's stock, per row
-- (规章, 规范性文件) of the same agency in consecutive years (representative reports, corrections applied):
--   in_force(year) = in_force(year - 1) + issued(year) - repealed(year)
-- lhs the printed in_force, rhs what last year's stock implies; `incomplete` when one of the four is blank or
-- absent. `not_evaluated` (with the reason in `detail`) when the warehouse has no report of the agency for
-- the previous year, or that report is on the 2019 template, which does not print the documents in force.

with

representative_reports as (select * from {{ ref('int_representative_reports') }}),
report_cells as (select * from {{ ref('int_report_cells') }}),

stock_rows as (

    select
        document_hash,
        agency,
        year,
        template,
        row_key,
        max(case when col_key = 'in_force' then value end) as in_force,
        max(case when col_key = 'issued' then value end) as issued,
        max(case when col_key = 'repealed' then value end) as repealed
    from report_cells
    where table_no = 2 and row_key in ('regulations', 'normative_documents')
        and col_key in ('in_force', 'issued', 'repealed')
    group by document_hash, agency, year, template, row_key

),

paired_rows as (

    select
        current_year.*,
        previous_report.document_hash as compared_document_hash,
        previous_report.template as compared_template,
        previous_year.in_force as previous_in_force

    from stock_rows as current_year
    left join representative_reports as previous_report
        on current_year.agency = previous_report.agency
        and current_year.year = previous_report.year + 1
    left join stock_rows as previous_year
        on previous_year.document_hash = previous_report.document_hash
        and previous_year.row_key = current_year.row_key
    where current_year.template = '2021'

),

checks as (

    select
        document_hash,
        compared_document_hash,
        'stock_7' as check_code,
        'row' as scope_kind,
        row_key as scope,
        in_force as lhs,
        case when compared_template = '2021' then previous_in_force + issued - repealed end as rhs,
        case
            when compared_document_hash is null or compared_template <> '2021' then 'not_evaluated'
            when in_force is null or previous_in_force is null or issued is null or repealed is null
                then 'incomplete'
            when abs(in_force - (previous_in_force + issued - repealed)) <= {{ var('identity_tolerance') }}
                then 'pass'
            else 'fail'
        end as result,
        case when compared_template = '2021' then nullif(concat_ws(',',
            case when in_force is null then 't2.' || row_key || '.in_force' end,
            case when issued is null then 't2.' || row_key || '.issued' end,
            case when repealed is null then 't2.' || row_key || '.repealed' end,
            case when previous_in_force is null then 'previous year t2.' || row_key || '.in_force' end
        ), '') end as missing_cells,
        case
            when compared_document_hash is null then
                'no report of ' || agency || ' for ' || (year - 1) || ' in the warehouse'
            when compared_template <> '2021' then
                'the ' || (year - 1) || ' report is on the 2019 template, which prints no documents in force'
            else 'in_force ' || coalesce(cast(in_force as varchar), 'blank') || ' vs last year '
                || coalesce(cast(previous_in_force as varchar), 'blank') || ' + issued '
                || coalesce(cast(issued as varchar), 'blank') || ' - repealed '
                || coalesce(cast(repealed as varchar), 'blank')
        end as detail,
        null as line,
        null as page
    from paired_rows

)

{{ select_check_rows('checks') }}
