with

source as (

    select * from {{ source('landing', 'cells') }}

),

renamed as (

    select
        -- identity
        document_hash,
        cell_key,

        -- canonical address t<table>.<row>.<col>
        table_no,
        row_key,
        col_key,

        -- the printed number; null = printed blank
        value,
        unit,

        -- where it was read
        line,
        page,
        provenance_json,

        -- whether the parser settled it (extract/core.py: false for a provisional reading), and the
        -- readings it hesitated between
        coalesce(certain, true) as certain,
        json_extract_string(provenance_json, '$.uncertain_because') as uncertain_because,
        json_extract(provenance_json, '$.candidates') as candidates_json

    from source

)

select * from renamed
