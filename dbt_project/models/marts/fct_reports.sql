-- One row per document that reached the warehouse, whatever its extraction status. Failed documents are
-- listed here (with their object and quarantine keys) but contribute no facts to the other marts; of the
-- documents of one agency and year, the representative one stands for it (`is_representative`, ranked in
-- int_reporting_documents), the others stay here for audit.

with

documents as (select * from {{ ref('int_documents') }}),
reporting_documents as (
    select document_hash, representative_rank, is_representative from {{ ref('int_reporting_documents') }}
),

cell_counts as (

    select
        document_hash,
        count(*) filter (where is_extracted) as cell_count,
        count(*) filter (where value_status = 'uncertain') as uncertain_cell_count,
        count(*) filter (where value_status = 'corrected') as corrected_cell_count
    from {{ ref('int_document_cells') }}
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
        coalesce(reporting_documents.is_representative, false) as is_representative,
        reporting_documents.representative_rank,
        -- the name of is_representative before it existed (kept for BI queries; see _marts__models.yml)
        coalesce(reporting_documents.is_representative, false) as is_latest_for_agency_year,
        coalesce(cell_counts.cell_count, 0) as cell_count,
        coalesce(cell_counts.uncertain_cell_count, 0) as uncertain_cell_count,
        coalesce(cell_counts.corrected_cell_count, 0) as corrected_cell_count,
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
