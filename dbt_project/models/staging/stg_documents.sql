-- The agency is normalised (no whitespace, full-width brackets) and mapped through the alias seed, so a
-- report printed under an abbreviation or a former name joins the same agency across years;
-- `agency_as_printed` keeps what the title said.

with

source as (

    select * from {{ source('landing', 'documents') }}

),

agency_aliases as (

    select
        replace(replace(regexp_replace(trim(alias), '\s+', '', 'g'), '(', '（'), ')', '）') as alias_normalized,
        agency
    from {{ ref('agency_aliases') }}

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
        nullif(replace(replace(regexp_replace(trim(agency), '\s+', '', 'g'), '(', '（'), ')', '）'), '')
            as agency_normalized,
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

),

named as (

    select
        renamed.* exclude (agency_normalized),
        coalesce(agency_aliases.agency, renamed.agency_normalized) as agency

    from renamed
    left join agency_aliases
        on renamed.agency_normalized = agency_aliases.alias_normalized

)

select * from named
