with

source as (

    select * from {{ source('landing', 'documents') }}

),

renamed as (

    select
        -- identity
        document_hash,
        object_key,
        original_name,
        quarantine_key,

        -- what extraction found
        format,
        status,
        nullif(trim(agency), '') as agency,
        year,
        template,
        issues_json,
        coalesce(json_array_length(issues_json), 0) as issue_count,
        body_text,
        extractor_version,
        size_bytes,

        -- timestamps
        arrived_at,
        loaded_at

    from source

)

select * from renamed
