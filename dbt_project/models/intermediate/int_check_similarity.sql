-- A table, not a view: several models and data tests read it, and as a view each of them computed it again
-- (at 10,000 reports its tests alone took seconds each).
{{ config(materialized='table') }}

-- Check 9 of the spec (similarity_9): a report does not repeat the agency's previous report. lhs the share
-- of this report's prose (its distinct 4-character shingles) found in the same agency's most recent earlier
-- report, rhs the threshold 0.5 (evaluators dock points above 50%); fail above it. One row per
-- representative report: `not_evaluated` (the reason in `detail`) when the warehouse holds no earlier report
-- of the agency, or one of the two has no prose to compare (fewer than 20 characters of sentences).

with

representative_reports as (select * from {{ ref('int_representative_reports') }}),
reporting_documents as (select * from {{ ref('int_reporting_documents') }}),

report_text_lines as (

    select
        representative_reports.document_hash,
        unnest(string_split(coalesce(documents.body_text, ''), chr(10))) as text_line
    from representative_reports
    inner join reporting_documents as documents
        on representative_reports.document_hash = documents.document_hash

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
        current_report.agency,
        previous_report.document_hash as compared_document_hash,
        previous_report.year as compared_year,
        row_number() over (partition by current_report.document_hash order by previous_report.year desc nulls last)
            as recency
    from representative_reports as current_report
    left join representative_reports as previous_report
        on current_report.agency = previous_report.agency
        and previous_report.year < current_report.year

),

shared_shingles as (

    select
        current_shingles.document_hash,
        count(previous_shingles.shingle) as shared_count
    from previous_reports
    inner join shingles as current_shingles
        on current_shingles.document_hash = previous_reports.document_hash
    left join shingles as previous_shingles
        on previous_shingles.document_hash = previous_reports.compared_document_hash
        and previous_shingles.shingle = current_shingles.shingle
    where previous_reports.recency = 1
    group by current_shingles.document_hash

),

compared as (

    select
        previous_reports.document_hash,
        previous_reports.compared_document_hash,
        previous_reports.agency,
        previous_reports.compared_year,
        current_counts.shingle_count is not null as has_prose,
        previous_counts.shingle_count is not null as compared_has_prose,
        shared_shingles.shared_count / current_counts.shingle_count as share
    from previous_reports
    left join shingle_counts as current_counts
        on current_counts.document_hash = previous_reports.document_hash
    left join shingle_counts as previous_counts
        on previous_counts.document_hash = previous_reports.compared_document_hash
    left join shared_shingles
        on shared_shingles.document_hash = previous_reports.document_hash
    where previous_reports.recency = 1

),

checks as (

    select
        document_hash,
        compared_document_hash,
        'similarity_9' as check_code,
        'document' as scope_kind,
        'prose' as scope,
        case when compared_has_prose then round(share, 4) end as lhs,
        0.5 as rhs,
        case
            when compared_document_hash is null or not has_prose or not compared_has_prose then 'not_evaluated'
            when share > 0.5 then 'fail'
            else 'pass'
        end as result,
        null as missing_cells,
        case
            when compared_document_hash is null then 'no earlier report of ' || agency || ' in the warehouse'
            when not has_prose then 'this report has no prose to compare'
            when not compared_has_prose then 'the ' || compared_year || ' report has no prose to compare'
            else round(100.0 * share, 1) || '% of the prose repeats the previous report'
        end as detail,
        null as line,
        null as page
    from compared

)

{{ select_check_rows('checks') }}
