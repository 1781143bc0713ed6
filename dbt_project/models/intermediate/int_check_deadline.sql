-- Check 9 of the spec (deadline_9): a report is published by 31 January of the year after the one it reports
-- on. lhs the date printed at the end of the report, rhs the deadline, both as yyyymmdd numbers;
-- `incomplete` when no date was printed.

with

reporting_documents as (select * from {{ ref('int_reporting_documents') }} where is_checked),

checks as (

    select
        document_hash,
        null as compared_document_hash,
        'deadline_9' as check_code,
        'document' as scope_kind,
        'published_on' as scope,
        strftime(published_on, '%Y%m%d') as lhs,
        (year + 1) * 10000 + 131 as rhs,
        case
            when published_on is null then 'incomplete'
            when published_on <= make_date(year + 1, 1, 31) then 'pass'
            else 'fail'
        end as result,
        case when published_on is null then 'published_on' end as missing_cells,
        case
            when published_on is null then 'no date printed at the end of the report'
            else 'published ' || strftime(published_on, '%Y-%m-%d') || ', due ' || (year + 1) || '-01-31'
                || case when published_on > make_date(year + 1, 1, 31)
                        then ' (' || date_diff('day', make_date(year + 1, 1, 31), published_on) || ' days late)'
                        else '' end
        end as detail,
        null as line,
        null as page
    from reporting_documents
    where year is not null

)

{{ select_check_rows('checks') }}
