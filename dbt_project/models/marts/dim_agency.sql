-- One row per agency (int_agency_names: normalised names, the alias seed, a district printed with and
-- without its city), with the names its reports printed.

with

documents as (

    select * from {{ ref('int_documents') }}
    where agency is not null

),

representative_reports as (select * from {{ ref('int_representative_reports') }}),

agencies as (

    select
        md5(documents.agency) as agency_key,
        documents.agency,
        string_agg(distinct documents.agency_as_printed, ' | ' order by documents.agency_as_printed)
            as names_printed,
        count(distinct documents.agency_as_printed) as name_count,
        count(distinct documents.document_hash) as document_count,
        count(distinct representative_reports.document_hash) as report_count,
        min(representative_reports.year) as first_report_year,
        max(representative_reports.year) as last_report_year

    from documents
    left join representative_reports
        on documents.document_hash = representative_reports.document_hash
    group by documents.agency

)

select * from agencies
