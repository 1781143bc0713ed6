-- One row per evaluation of an accounting identity of the spec, on the values to quote (the maintainers'
-- corrections applied): identities 1-4 within every checked document (the representative report of each
-- agency and year, and documents whose agency or year could not be read), identity 5 across consecutive
-- years of the same agency (compared_document_hash is the previous year's report). result: pass | fail |
-- incomplete | not_evaluated (identity 5 without a previous-year report: `reason` says so). A `fail` is the
-- agency's printed sum not adding up (or a misread): it is reported by the expectations, never a build
-- failure.

with

reporting_documents as (select * from {{ ref('int_reporting_documents') }}),

all_checks as (

    select * from {{ ref('int_identity_checks_within_report') }}
    union all by name  -- identity 5 adds compared_document_hash (the previous year's report) and reason
    select * from {{ ref('int_identity_checks_across_years') }}

),

identity_checks as (

    select
        md5(all_checks.document_hash || '|' || all_checks.identity || '|' || all_checks.scope) as check_id,
        all_checks.document_hash,
        all_checks.compared_document_hash,
        reporting_documents.object_key,
        reporting_documents.agency,
        reporting_documents.year,
        reporting_documents.template,
        reporting_documents.status as document_status,
        all_checks.identity,
        all_checks.check_code,
        'identity_' || all_checks.identity || ':' || all_checks.scope as check_name,
        all_checks.table_no,
        all_checks.scope_kind,
        all_checks.scope,
        all_checks.lhs,
        all_checks.rhs,
        all_checks.lhs - all_checks.rhs as difference,
        all_checks.result,
        all_checks.missing_cells,
        all_checks.reason

    from all_checks
    inner join reporting_documents
        on all_checks.document_hash = reporting_documents.document_hash

)

select * from identity_checks
