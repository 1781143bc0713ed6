-- The maintainers' corrections that can be applied (landing.corrections, written by pipeline/corrections.py
-- from REVIEW_CORRECTIONS_PATH): one row per document and cell, the value as the maintainer read it on the
-- page (null = printed blank). Lines with a problem stay in the landing table for the reports.

with

source as (

    select * from {{ source('landing', 'corrections') }}

),

renamed as (

    select
        -- which cell
        document_hash,
        cell_key,

        -- the maintainer's reading
        value,
        note,
        decided_by,
        decided_at,

        -- where it is in the file
        line_number

    from source
    where problem is null

)

select * from renamed
