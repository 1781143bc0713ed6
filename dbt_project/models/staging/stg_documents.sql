-- One row per document as landed. `agency_normalized` is the printed name in the form names are compared in
-- (macros/agency_names.sql); int_agency_names maps it to the one name of its agency.

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
        coalesce(ocr, false) as is_ocr,
        status,
        nullif(trim(agency), '') as agency_as_printed,
        {{ normalize_agency_name('agency') }} as agency_normalized,
        year,
        template,
        issues_json,
        coalesce(json_array_length(issues_json), 0) as issue_count,
        body_text,
        narrative_json,
        published_on,
        extractor_version,
        size_bytes,

        -- timestamps
        arrived_at,
        loaded_at

    from source

)

select * from renamed
