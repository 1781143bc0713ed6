-- Documents that contribute facts: every extracted document except those whose extraction failed, ranked
-- within their agency and year to choose the one that stands for it (`representative_rank` = 1,
-- `is_representative`) when the same report arrived more than once (a re-publication, two renderings of one
-- page, a crawl):
--   1. `ok` before `needs_review` (every cell boundary was certain);
--   2. among equals, a format that carries cell boundaries (HTML, Word, PDF) before crawled text;
--   3. then the latest arrival.
-- A document whose agency or year could not be read stands for no agency and year: it is not
-- representative, and it is checked on its own (`is_checked`), as every representative document is.

with

documents as (select * from {{ ref('int_documents') }}),

reporting as (

    select
        *,
        case
            when agency is not null and year is not null then
                row_number() over (
                    partition by agency, year
                    order by
                        case when status = 'ok' then 0 else 1 end,
                        case when format in ('html', 'docx', 'doc', 'pdf', 'image') then 0 else 1 end,
                        arrived_at desc nulls last,
                        loaded_at desc,
                        document_hash
                )
        end as representative_rank

    from documents
    where status <> 'failed'

),

flagged as (

    select
        *,
        coalesce(representative_rank = 1, false) as is_representative,
        coalesce(representative_rank = 1, true) as is_checked

    from reporting

)

select * from flagged
