-- One row per agency named by at least one report.

with

documents as (

    select * from {{ ref('stg_documents') }}
    where agency is not null

),

latest_reports as (select * from {{ ref('int_latest_reports') }}),

agencies as (

    select
        md5(documents.agency) as agency_key,
        documents.agency,
        count(distinct documents.document_hash) as document_count,
        count(distinct latest_reports.document_hash) as report_count,
        min(latest_reports.year) as first_report_year,
        max(latest_reports.year) as last_report_year

    from documents
    left join latest_reports
        on documents.document_hash = latest_reports.document_hash
    group by documents.agency

)

select * from agencies
