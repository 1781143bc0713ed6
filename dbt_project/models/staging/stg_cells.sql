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
        provenance_json

    from source

)

select * from renamed
