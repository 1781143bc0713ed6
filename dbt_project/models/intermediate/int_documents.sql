-- Every landed document with the one name of its agency (int_agency_names); `agency_as_printed` keeps what
-- the title said.

with

documents as (select * from {{ ref('stg_documents') }}),
agency_names as (select * from {{ ref('int_agency_names') }}),

named as (

    select
        documents.* exclude (agency_normalized),
        agency_names.agency

    from documents
    left join agency_names
        on documents.agency_normalized = agency_names.agency_normalized

)

select * from named
