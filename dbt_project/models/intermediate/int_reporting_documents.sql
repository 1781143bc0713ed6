-- Documents that contribute facts: every extracted document except those whose extraction failed.
-- `agency_year_rank` = 1 marks the report that stands for its agency and year when the same report
-- arrived more than once (a re-publication, or two renderings of one page): the latest arrival wins.

with

documents as (select * from {{ ref('stg_documents') }}),

reporting as (

    select
        *,
        case
            when agency is not null and year is not null then
                row_number() over (
                    partition by agency, year
                    order by arrived_at desc nulls last, loaded_at desc, document_hash
                )
        end as agency_year_rank

    from documents
    where status <> 'failed'

)

select * from reporting
