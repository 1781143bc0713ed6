-- A table, not a view: several models and data tests read it, and as a view each of them computed it again
-- (at 10,000 reports its tests alone took seconds each).
{{ config(materialized='table') }}

-- Identity 5 of the spec: per 表三 column, the applications a report carries over from last year equal
-- those the same agency's previous-year report carried forward,
--   carried_over(year) = carried_forward(year - 1),
-- evaluated on the representative reports, with the maintainers' corrections applied. Same rules as
-- identities 1-4: not evaluated when neither cell was printed, `incomplete` when one is blank or absent.
-- When the warehouse has no report of the agency for the previous year, every column whose carried_over the
-- report printed is a `not_evaluated` row saying so (`reason`), never silence.

with

representative_reports as (select * from {{ ref('int_representative_reports') }}),
report_cells as (select * from {{ ref('int_report_cells') }}),
t3_columns as (select col_key from {{ ref('t3_columns') }}),

report_pairs as (

    select
        current_report.document_hash,
        current_report.agency,
        current_report.year,
        previous_report.document_hash as compared_document_hash

    from representative_reports as current_report
    left join representative_reports as previous_report
        on current_report.agency = previous_report.agency
        and current_report.year = previous_report.year + 1

),

pair_columns as (

    select
        report_pairs.document_hash,
        report_pairs.compared_document_hash,
        report_pairs.agency,
        report_pairs.year,
        t3_columns.col_key,
        carried_over.cell_key is not null as carried_over_printed,
        carried_over.value as carried_over,
        carried_forward.cell_key is not null as carried_forward_printed,
        carried_forward.value as carried_forward

    from report_pairs
    cross join t3_columns
    left join report_cells as carried_over
        on carried_over.document_hash = report_pairs.document_hash
        and carried_over.cell_key = 't3.carried_over.' || t3_columns.col_key
    left join report_cells as carried_forward
        on carried_forward.document_hash = report_pairs.compared_document_hash
        and carried_forward.cell_key = 't3.carried_forward.' || t3_columns.col_key

),

checks as (

    select
        document_hash,
        compared_document_hash,
        5 as identity,
        'identity_5' as check_code,
        3 as table_no,
        'column' as scope_kind,
        col_key as scope,
        case when carried_over is not null and carried_forward is not null then carried_over end as lhs,
        case when carried_over is not null and carried_forward is not null then carried_forward end as rhs,
        case
            when compared_document_hash is null then 'not_evaluated'
            when carried_over is null or carried_forward is null then 'incomplete'
            when abs(carried_over - carried_forward) <= {{ var('identity_tolerance') }} then 'pass'
            else 'fail'
        end as result,
        case when compared_document_hash is not null then nullif(concat_ws(',',
            case when carried_over is null then 't3.carried_over.' || col_key end,
            case when carried_forward is null then 'previous year t3.carried_forward.' || col_key end
        ), '') end as missing_cells,
        case when compared_document_hash is null then
            'no report of ' || agency || ' for ' || (year - 1) || ' in the warehouse'
        end as reason

    from pair_columns
    where carried_over_printed or carried_forward_printed

)

select * from checks
