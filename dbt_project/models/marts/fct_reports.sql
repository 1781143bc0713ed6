-- One row per document that reached the warehouse, whatever its extraction status. Failed documents are
-- listed here (with their object and quarantine keys) but contribute no facts to the other marts.

with

documents as (select * from {{ ref('stg_documents') }}),
reporting_documents as (select document_hash, agency_year_rank from {{ ref('int_reporting_documents') }}),

cell_counts as (

    select document_hash, count(*) as cell_count
    from {{ ref('stg_cells') }}
    group by document_hash

),

reports as (

    select
        documents.document_hash,
        documents.object_key,
        documents.original_name,
        documents.quarantine_key,
        documents.agency,
        documents.agency_as_printed,
        documents.year,
        documents.template,
        documents.format,
        documents.is_ocr,
        documents.status,
        coalesce(reporting_documents.agency_year_rank = 1, false) as is_latest_for_agency_year,
        coalesce(cell_counts.cell_count, 0) as cell_count,
        documents.issue_count,
        documents.size_bytes,
        documents.published_on,
        documents.extractor_version,
        documents.arrived_at,
        documents.loaded_at

    from documents
    left join reporting_documents
        on documents.document_hash = reporting_documents.document_hash
    left join cell_counts
        on documents.document_hash = cell_counts.document_hash

)

select * from reports
