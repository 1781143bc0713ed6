-- A table, not a view: several models and data tests read it, and as a view each of them computed it again
-- (at 10,000 reports its tests alone took seconds each).
{{ config(materialized='table') }}

-- Identities 1-4 of the spec, evaluated on every checked document (the representative report of its agency
-- and year, or a document whose agency or year could not be read), on its cells with the maintainers'
-- corrections applied, one row per identity and row/column the document printed (the SQL twin of
-- extract/identities.py):
--   * an identity none of whose cells the document printed is not evaluated (a report without 表四);
--   * a term that is blank or absent makes the evaluation `incomplete` (lhs and rhs null);
--   * otherwise `pass` when both sides agree within var('identity_tolerance'), else `fail`.
-- Identity 2 sums the 2021 (六)其他处理 sub-rows when the document printed any of them, else the 2019 row.

with

documents as (select * from {{ ref('int_reporting_documents') }} where is_checked),
cells as (select * from {{ ref('int_document_cells') }}),
identity_terms as (select * from {{ ref('identity_terms') }}),

other_rows_variant as (

    select
        documents.document_hash,
        case
            when bool_or(cells.cell_key in (
                't3.other_no_correction.total', 't3.other_unpaid_fee.total', 't3.other_misc.total'
            )) then '2021'
            else '2019'
        end as other_rows_variant

    from documents
    left join cells
        on documents.document_hash = cells.document_hash
    group by documents.document_hash

),

document_terms as (

    select
        other_rows_variant.document_hash,
        identity_terms.identity,
        identity_terms.scope_kind,
        identity_terms.scope,
        identity_terms.side,
        identity_terms.cell_key

    from other_rows_variant
    cross join identity_terms
    where identity_terms.other_rows_variant is null
        or identity_terms.other_rows_variant = other_rows_variant.other_rows_variant

),

term_values as (

    select
        document_terms.*,
        cells.cell_key is not null as is_printed,
        cells.value

    from document_terms
    left join cells
        on document_terms.document_hash = cells.document_hash
        and document_terms.cell_key = cells.cell_key

),

evaluations as (

    select
        document_hash,
        identity,
        scope_kind,
        scope,
        count(*) filter (where is_printed) as printed_term_count,
        count(*) filter (where value is null) as missing_term_count,
        sum(value) filter (where side = 'lhs') as lhs_sum,
        sum(value) filter (where side = 'rhs') as rhs_sum,
        string_agg(cell_key, ',' order by cell_key) filter (where value is null) as missing_cells

    from term_values
    group by document_hash, identity, scope_kind, scope

),

checks as (

    select
        document_hash,
        identity,
        'identity_' || identity as check_code,
        case when identity = 4 then 4 else 3 end as table_no,
        scope_kind,
        scope,
        case when missing_term_count = 0 then lhs_sum end as lhs,
        case when missing_term_count = 0 then rhs_sum end as rhs,
        case
            when missing_term_count > 0 then 'incomplete'
            when abs(lhs_sum - rhs_sum) <= {{ var('identity_tolerance') }} then 'pass'
            else 'fail'
        end as result,
        missing_cells

    from evaluations
    where printed_term_count > 0

)

select * from checks
