-- Check 7 of the spec (stock_7), 2021 表二: the documents in force follow from last year's stock, per row
-- (规章, 规范性文件) of the same agency in consecutive years, both on the 2021 template:
--   in_force(year) = in_force(year - 1) + issued(year) - repealed(year)
-- lhs the printed in_force, rhs what last year's stock implies; `incomplete` when one of the four is blank.

with

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

checks as (

    select
        current_year.document_hash,
        previous_year.document_hash as compared_document_hash,
        'stock_7' as check_code,
        'row' as scope_kind,
        current_year.row_key as scope,
        current_year.in_force as lhs,
        previous_year.in_force + current_year.issued - current_year.repealed as rhs,
        case
            when current_year.in_force is null or previous_year.in_force is null
                or current_year.issued is null or current_year.repealed is null then 'incomplete'
            when abs(current_year.in_force - (previous_year.in_force + current_year.issued
                     - current_year.repealed)) <= {{ var('identity_tolerance') }} then 'pass'
            else 'fail'
        end as result,
        nullif(concat_ws(',',
            case when current_year.in_force is null then 't2.' || current_year.row_key || '.in_force' end,
            case when current_year.issued is null then 't2.' || current_year.row_key || '.issued' end,
            case when current_year.repealed is null then 't2.' || current_year.row_key || '.repealed' end,
            case when previous_year.in_force is null then 'previous year t2.' || current_year.row_key || '.in_force' end
        ), '') as missing_cells,
        'in_force ' || coalesce(cast(current_year.in_force as varchar), 'blank') || ' vs last year '
            || coalesce(cast(previous_year.in_force as varchar), 'blank') || ' + issued '
            || coalesce(cast(current_year.issued as varchar), 'blank') || ' - repealed '
            || coalesce(cast(current_year.repealed as varchar), 'blank') as detail,
        null as line,
        null as page
    from stock_rows as current_year
    inner join stock_rows as previous_year
        on current_year.agency = previous_year.agency
        and current_year.year = previous_year.year + 1
        and current_year.row_key = previous_year.row_key
    where current_year.template = '2021' and previous_year.template = '2021'

)

{{ select_check_rows('checks') }}
