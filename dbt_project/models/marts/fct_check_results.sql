-- Every evaluation of every check of the spec, one row each: the accounting identities 1-5 (severity
-- failure, warning when incomplete; from fct_identity_checks) and the plausibility checks (severity warning, int_plausibility_checks).
-- result: pass | fail | incomplete. `line` / `page` point into the source document (for identities: the
-- first printed cell of the row or column evaluated). pipeline/findings.py turns fail and incomplete rows
-- into findings with a fingerprint that survives reruns and re-extraction.

with

identity_checks as (

    select * from {{ ref('fct_identity_checks') }}

),

plausibility_checks as (

    select * from {{ ref('int_plausibility_checks') }}

),

reporting_documents as (

    select * from {{ ref('int_reporting_documents') }}

),

cells as (

    select * from {{ ref('stg_cells') }}

),

identity_locations as (

    select
        identity_checks.check_id,
        min(cells.line) as line,
        min(cells.page) as page
    from identity_checks
    inner join cells
        on cells.document_hash = identity_checks.document_hash
        and cells.table_no = identity_checks.table_no
        and (
            (identity_checks.scope_kind = 'column' and cells.col_key = identity_checks.scope
                and (identity_checks.identity <> 5 or cells.row_key = 'carried_over'))
            or (identity_checks.scope_kind = 'row' and cells.row_key = identity_checks.scope)
        )
    group by identity_checks.check_id

),

identity_rows as (

    select
        identity_checks.document_hash,
        identity_checks.compared_document_hash,
        'identity_' || identity_checks.identity as check_code,
        case when identity_checks.identity = 5 then 'across_years' else 'identities' end as check_family,
        -- a breach of an identity is a failure; a blank cell inside one is a warning ("incomplete")
        case when identity_checks.result = 'incomplete' then 'warning' else 'failure' end as severity,
        identity_checks.scope_kind,
        identity_checks.scope,
        identity_checks.lhs,
        identity_checks.rhs,
        identity_checks.result,
        identity_checks.missing_cells,
        case
            when identity_checks.result = 'incomplete' then 'blank or absent: ' || identity_checks.missing_cells
            else 'difference ' || (identity_checks.lhs - identity_checks.rhs)
        end as detail,
        identity_locations.line,
        identity_locations.page
    from identity_checks
    left join identity_locations
        on identity_checks.check_id = identity_locations.check_id

),

plausibility_rows as (

    select
        document_hash,
        compared_document_hash,
        check_name as check_code,
        case check_name
            when 'counts_6' then 'counts'
            when 'stock_7' then 'stock'
            when 'narrative_8' then 'narrative'
            when 'deadline_9' then 'deadline'
            when 'similarity_9' then 'similarity'
        end as check_family,
        'warning' as severity,
        scope_kind, scope, lhs, rhs, result, missing_cells, detail, line, page
    from plausibility_checks

),

all_rows as (

    select * from identity_rows
    union all
    select * from plausibility_rows

),

check_results as (

    select
        md5(all_rows.document_hash || '|' || all_rows.check_code || '|' || all_rows.scope_kind || '|'
            || all_rows.scope) as check_result_id,
        all_rows.document_hash,
        all_rows.compared_document_hash,
        reporting_documents.object_key,
        reporting_documents.original_name,
        reporting_documents.agency,
        reporting_documents.year,
        reporting_documents.agency_year_rank = 1 as is_latest_for_agency_year,
        all_rows.check_code,
        all_rows.check_family,
        all_rows.severity,
        all_rows.scope_kind,
        all_rows.scope,
        all_rows.lhs,
        all_rows.rhs,
        all_rows.result,
        all_rows.missing_cells,
        all_rows.detail,
        all_rows.line,
        all_rows.page
    from all_rows
    inner join reporting_documents
        on all_rows.document_hash = reporting_documents.document_hash

)

select * from check_results
