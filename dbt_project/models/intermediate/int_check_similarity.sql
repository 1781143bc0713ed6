-- Check 9 of the spec (similarity_9): a report does not repeat the agency's previous report. lhs the share
-- of this report's prose (its distinct 4-character shingles) found in the same agency's most recent earlier
-- report, rhs the threshold 0.5 (evaluators dock points above 50%); fail above it. Compared on the latest
-- report per agency and year, when both reports have prose; the first report of an agency has no row.

with

latest_reports as (select * from {{ ref('int_latest_reports') }}),
reporting_documents as (select * from {{ ref('int_reporting_documents') }}),

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

checks as (

    select
        shared_shingles.document_hash,
        shared_shingles.compared_document_hash,
        'similarity_9' as check_code,
        'document' as scope_kind,
        'prose' as scope,
        round(shared_shingles.shared_count / shingle_counts.shingle_count, 4) as lhs,
        0.5 as rhs,
        case when shared_shingles.shared_count / shingle_counts.shingle_count > 0.5 then 'fail' else 'pass' end
            as result,
        null as missing_cells,
        round(100.0 * shared_shingles.shared_count / shingle_counts.shingle_count, 1)
            || '% of the prose repeats the previous report' as detail,
        null as line,
        null as page
    from shared_shingles
    inner join shingle_counts
        on shared_shingles.document_hash = shingle_counts.document_hash
    -- the previous report has prose to compare with
    where exists (select 1 from shingles where shingles.document_hash = shared_shingles.compared_document_hash)

)

{{ select_check_rows('checks') }}
