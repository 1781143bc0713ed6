-- Plausibility checks of the spec (warnings, not breaches), one row per evaluation, in the shape of the
-- identity checks (lhs, rhs, result pass | fail | incomplete) plus where to look (line, page, detail):
--   counts_6       every count is a non-negative integer (2019 `change` may be negative; amounts are decimals);
--                  one fail row per offending cell, one pass row per table without any
--   stock_7        2021 表二: in_force(year) = in_force(year - 1) + issued(year) - repealed(year), per row
--   narrative_8    a number the prose states ("全年共收到政府信息公开申请N件") equals the table cell(s) it restates
--   deadline_9     published (date printed at the end) by 31 January of the next year; lhs/rhs as yyyymmdd
--   similarity_9   share of this report's prose (4-character shingles of its sentences) found in the same
--                  agency's previous report; fail above 0.5 (evaluators dock points above 50%)

with

reporting_documents as (

    select * from {{ ref('int_reporting_documents') }}

),

latest_reports as (

    select * from {{ ref('int_latest_reports') }}

),

cells as (

    select * from {{ ref('stg_cells') }}

),

report_cells as (

    select * from {{ ref('int_report_cells') }}

),

-- counts_6 ---------------------------------------------------------------------------------------------

document_cells as (

    select cells.*
    from cells
    inner join reporting_documents
        on cells.document_hash = reporting_documents.document_hash

),

count_cells as (

    select
        *,
        value < 0 and col_key <> 'change' as is_negative,
        value <> floor(value) as is_fraction
    from document_cells
    where value is not null
        and cell_key not in ('t2.administrative_fees.amount', 't2.centralized_procurement.total_amount')

),

offending_counts as (

    select
        document_hash,
        cast(null as varchar) as compared_document_hash,
        'counts_6' as check_name,
        'cell' as scope_kind,
        cell_key as scope,
        value as lhs,
        cast(case when is_negative then 0 else round(value) end as double) as rhs,
        'fail' as result,
        cast(null as varchar) as missing_cells,
        case when is_negative then 'negative count ' else 'count that is not an integer ' end
            || cell_key || ' = ' || value as detail,
        line,
        page
    from count_cells
    where is_negative or is_fraction

),

clean_count_tables as (

    select
        document_hash,
        cast(null as varchar) as compared_document_hash,
        'counts_6' as check_name,
        'table' as scope_kind,
        't' || table_no as scope,
        cast(count(*) as double) as lhs,
        cast(count(*) as double) as rhs,
        'pass' as result,
        cast(null as varchar) as missing_cells,
        count(*) || ' counts, all non-negative integers' as detail,
        cast(null as integer) as line,
        cast(null as integer) as page
    from count_cells
    group by document_hash, table_no
    having not bool_or(is_negative or is_fraction)

),

-- stock_7 ----------------------------------------------------------------------------------------------

stock_rows as (

    select
        document_hash, agency, year, template, row_key,
        max(case when col_key = 'in_force' then value end) as in_force,
        max(case when col_key = 'issued' then value end) as issued,
        max(case when col_key = 'repealed' then value end) as repealed,
        max(case when col_key = 'in_force' then 1 else 0 end) = 1 as in_force_printed
    from report_cells
    where table_no = 2 and row_key in ('regulations', 'normative_documents')
        and col_key in ('in_force', 'issued', 'repealed')
    group by document_hash, agency, year, template, row_key

),

stock_checks as (

    select
        current_year.document_hash,
        previous_year.document_hash as compared_document_hash,
        'stock_7' as check_name,
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
        cast(null as integer) as line,
        cast(null as integer) as page
    from stock_rows as current_year
    inner join stock_rows as previous_year
        on current_year.agency = previous_year.agency
        and current_year.year = previous_year.year + 1
        and current_year.row_key = previous_year.row_key
    where current_year.template = '2021' and previous_year.template = '2021'

),

-- narrative_8 ------------------------------------------------------------------------------------------

stated as (

    select
        document_hash,
        unnest(from_json(
            json_extract(narrative_json, '$.stated_numbers'),
            '[{"name": "VARCHAR", "cell_keys": ["VARCHAR"], "value": "DOUBLE", "phrase": "VARCHAR", "line": "INTEGER"}]'
        )) as statement
    from reporting_documents
    where narrative_json is not null

),

statements as (

    select
        document_hash,
        statement.name as statement_name,
        statement.value as stated_value,
        statement.phrase as phrase,
        statement.line as line,
        statement.cell_keys as cell_keys,
        row_number() over (partition by document_hash, statement.name order by statement.line) as ordinal
    from stated

),

statement_cells as (

    select
        statements.document_hash, statements.statement_name, statements.ordinal, statements.stated_value,
        statements.phrase, statements.line,
        statement_cell_key,
        cells.cell_key is not null as printed,
        cells.value
    from statements
    cross join unnest(statements.cell_keys) as statement_keys(statement_cell_key)
    left join cells
        on cells.document_hash = statements.document_hash
        and cells.cell_key = statement_keys.statement_cell_key

),

narrative_checks as (

    select
        document_hash,
        cast(null as varchar) as compared_document_hash,
        'narrative_8' as check_name,
        'statement' as scope_kind,
        statement_name || case when ordinal > 1 then '#' || ordinal else '' end as scope,
        any_value(stated_value) as lhs,
        case when bool_and(value is not null) then sum(value) end as rhs,
        case
            when not bool_and(value is not null) then 'incomplete'
            when abs(any_value(stated_value) - sum(value)) <= {{ var('identity_tolerance') }} then 'pass'
            else 'fail'
        end as result,
        nullif(string_agg(case when value is null then statement_cell_key end, ','), '') as missing_cells,
        '"' || any_value(phrase) || '" vs ' || string_agg(statement_cell_key, ' + ' order by statement_cell_key)
            as detail,
        any_value(line) as line,
        cast(null as integer) as page
    from statement_cells
    group by document_hash, statement_name, ordinal
    -- a statement about a table the report does not print (no 表四: "未发生行政复议") is not compared
    having bool_or(printed)

),

-- deadline_9 -------------------------------------------------------------------------------------------

deadline_checks as (

    select
        document_hash,
        cast(null as varchar) as compared_document_hash,
        'deadline_9' as check_name,
        'document' as scope_kind,
        'published_on' as scope,
        cast(strftime(published_on, '%Y%m%d') as double) as lhs,
        cast((year + 1) * 10000 + 131 as double) as rhs,
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
        cast(null as integer) as line,
        cast(null as integer) as page
    from reporting_documents
    where year is not null

),

-- similarity_9 -----------------------------------------------------------------------------------------

report_text_lines as (

    select
        latest_reports.document_hash,
        unnest(string_split(coalesce(documents.body_text, ''), chr(10))) as text_line
    from latest_reports
    inner join reporting_documents as documents
        on latest_reports.document_hash = documents.document_hash

),

prose as (

    -- sentences, not the tables: lines with a full stop, without digits and whitespace (so that this
    -- year's numbers and dates do not hide a copied text)
    select
        document_hash,
        regexp_replace(string_agg(text_line, ''), '[\s0-9０-９]+', '', 'g') as prose_text
    from report_text_lines
    where text_line like '%。%'
    group by document_hash

),

shingles as (

    select distinct
        document_hash,
        substring(prose_text, position, 4) as shingle
    from (
        select document_hash, prose_text, unnest(range(1, length(prose_text) - 2)) as position
        from prose
        where length(prose_text) >= 20
    )

),

shingle_counts as (

    select document_hash, count(*) as shingle_count from shingles group by document_hash

),

previous_reports as (

    select
        current_report.document_hash,
        previous_report.document_hash as compared_document_hash,
        row_number() over (partition by current_report.document_hash order by previous_report.year desc)
            as recency
    from latest_reports as current_report
    inner join latest_reports as previous_report
        on current_report.agency = previous_report.agency
        and previous_report.year < current_report.year

),

shared_shingles as (

    select
        previous_reports.document_hash,
        previous_reports.compared_document_hash,
        count(previous_shingles.shingle) as shared_count
    from previous_reports
    inner join shingles as current_shingles
        on current_shingles.document_hash = previous_reports.document_hash
    left join shingles as previous_shingles
        on previous_shingles.document_hash = previous_reports.compared_document_hash
        and previous_shingles.shingle = current_shingles.shingle
    where previous_reports.recency = 1
    group by previous_reports.document_hash, previous_reports.compared_document_hash

),

similarity_checks as (

    select
        shared_shingles.document_hash,
        shared_shingles.compared_document_hash,
        'similarity_9' as check_name,
        'document' as scope_kind,
        'prose' as scope,
        round(shared_shingles.shared_count / shingle_counts.shingle_count, 4) as lhs,
        0.5 as rhs,
        case when shared_shingles.shared_count / shingle_counts.shingle_count > 0.5 then 'fail' else 'pass' end
            as result,
        cast(null as varchar) as missing_cells,
        round(100.0 * shared_shingles.shared_count / shingle_counts.shingle_count, 1)
            || '% of the prose repeats the previous report' as detail,
        cast(null as integer) as line,
        cast(null as integer) as page
    from shared_shingles
    inner join shingle_counts
        on shared_shingles.document_hash = shingle_counts.document_hash
    -- the previous report has prose to compare with
    where exists (select 1 from shingles where shingles.document_hash = shared_shingles.compared_document_hash)

),

all_checks as (

    select * from offending_counts
    union all select * from clean_count_tables
    union all select * from stock_checks
    union all select * from narrative_checks
    union all select * from deadline_checks
    union all select * from similarity_checks

)

select * from all_checks
