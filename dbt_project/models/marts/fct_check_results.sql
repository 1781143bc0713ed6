-- Every evaluation of every check of the spec, one row each (result pass | fail | incomplete | not_evaluated):
-- the accounting identities 1-5 (fct_identity_checks) and the plausibility checks, one int_check_* model
-- each, over the checked documents (the representative report of each agency and year, and documents whose
-- agency or year could not be read), on the values to quote (corrections applied). What a check is (family,
-- severity, description, formula, what a maintainer should do) comes from the seed check_catalogue; a
-- `fail` row takes the catalogue's severity, an `incomplete` or `not_evaluated` row is a warning.
-- `line` / `page` point into the source document (for identities: the first printed cell of the row or
-- column evaluated). pipeline/findings.py turns fail and incomplete rows into findings.

with

identity_checks as (select * from {{ ref('fct_identity_checks') }}),
cells as (select * from {{ ref('int_document_cells') }}),
reporting_documents as (select * from {{ ref('int_reporting_documents') }}),
check_catalogue as (select * from {{ ref('check_catalogue') }}),

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

identity_evaluations as (

    select
        identity_checks.*,
        case
            when identity_checks.result = 'incomplete' then 'blank or absent: ' || identity_checks.missing_cells
            when identity_checks.result = 'not_evaluated' then identity_checks.reason
            else 'difference ' || (identity_checks.lhs - identity_checks.rhs)
        end as detail,
        identity_locations.line,
        identity_locations.page
    from identity_checks
    left join identity_locations
        on identity_checks.check_id = identity_locations.check_id

),

identity_rows as ({{ select_check_rows('identity_evaluations') }}),

all_rows as (

    select * from identity_rows
    union all select * from {{ ref('int_check_counts') }}
    union all select * from {{ ref('int_check_stock') }}
    union all select * from {{ ref('int_check_narrative') }}
    union all select * from {{ ref('int_check_deadline') }}
    union all select * from {{ ref('int_check_similarity') }}

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
        reporting_documents.is_representative,
        -- the name of is_representative before it existed (kept for BI queries; see _marts__models.yml)
        reporting_documents.is_representative as is_latest_for_agency_year,
        all_rows.check_code,
        check_catalogue.check_family,
        case when all_rows.result in ('incomplete', 'not_evaluated') then 'warning' else check_catalogue.severity end
            as severity,
        all_rows.scope_kind,
        all_rows.scope,
        all_rows.lhs,
        all_rows.rhs,
        all_rows.result,
        all_rows.missing_cells,
        all_rows.detail,
        all_rows.line,
        all_rows.page,
        check_catalogue.spec_number,
        check_catalogue.description,
        check_catalogue.formula,
        check_catalogue.maintainer_action
    from all_rows
    inner join reporting_documents
        on all_rows.document_hash = reporting_documents.document_hash
    left join check_catalogue
        on all_rows.check_code = check_catalogue.check_code

)

select * from check_results
