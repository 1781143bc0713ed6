-- A table, not a view: several models and data tests read it, and as a view each of them computed it again
-- (at 10,000 reports its tests alone took seconds each). Incremental: a build after new documents landed
-- computes only the documents whose rows are new or changed since (see changed_documents) and replaces their
-- rows; the other documents' rows stay as they are, which is what computing them again would give. A build of
-- a changed project (pipeline/steps.py build_warehouse) computes every document again (--full-refresh).
{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='document_hash',
    on_schema_change='fail',
    post_hook="delete from {{ this }} where document_hash not in (select document_hash from {{ ref('stg_cells') }}
               union all select document_hash from {{ ref('stg_corrections') }})"
) }}

-- Every cell of every landed document with the maintainers' corrections applied (stg_corrections): the value
-- to quote, the value extraction read, and its status:
--   printed    read with certainty;
--   uncertain  a provisional reading the parser could not settle (certain = false in its provenance);
--   corrected  a maintainer's value (a correction may also give a cell extraction did not read at all).
-- Checks and facts are computed on `value`.

with

{% if is_incremental() %}

-- The documents to compute again: those landed or loaded again since the last build (a document's loaded_at
-- is new with each load of it) or gone, and every document a correction names now or named at the last build
-- (a correction added, changed or withdrawn). Rows of documents gone altogether are deleted by the post-hook.
changed_documents as (

    select document_hash from (
        (select document_hash, loaded_at from {{ ref('stg_documents') }}
         except
         select distinct document_hash, loaded_at from {{ this }})
        union all
        (select distinct document_hash, loaded_at from {{ this }}
         except
         select document_hash, loaded_at from {{ ref('stg_documents') }})
    )
    union
    select document_hash from {{ ref('stg_corrections') }}
    union
    select document_hash from {{ this }} where correction_line is not null

),

cells as (
    select * from {{ ref('stg_cells') }}
    where document_hash in (select document_hash from changed_documents)
),
corrections as (
    select * from {{ ref('stg_corrections') }}
    where document_hash in (select document_hash from changed_documents)
),

{% else %}

cells as (select * from {{ ref('stg_cells') }}),
corrections as (select * from {{ ref('stg_corrections') }}),

{% endif %}

cell_keys as (

    select document_hash, cell_key from cells
    union
    select document_hash, cell_key from corrections

),

document_cells as (

    select
        cell_keys.document_hash,
        cell_keys.cell_key,
        cast(substr(split_part(cell_keys.cell_key, '.', 1), 2) as integer) as table_no,
        split_part(cell_keys.cell_key, '.', 2) as row_key,
        split_part(cell_keys.cell_key, '.', 3) as col_key,
        case when corrections.cell_key is not null then corrections.value else cells.value end as value,
        case
            when corrections.cell_key is not null then 'corrected'
            when not cells.certain then 'uncertain'
            else 'printed'
        end as value_status,
        cells.value as extracted_value,
        cells.cell_key is not null as is_extracted,
        coalesce(cells.certain, true) as certain,
        cells.uncertain_because,
        cells.candidates_json,
        cells.unit,
        cells.line,
        cells.page,
        cells.provenance_json,
        documents.loaded_at,
        corrections.note as correction_note,
        corrections.decided_by as corrected_by,
        corrections.decided_at as corrected_at,
        corrections.line_number as correction_line

    from cell_keys
    left join cells
        on cell_keys.document_hash = cells.document_hash
        and cell_keys.cell_key = cells.cell_key
    left join corrections
        on cell_keys.document_hash = corrections.document_hash
        and cell_keys.cell_key = corrections.cell_key
    left join {{ ref('stg_documents') }} as documents
        on cell_keys.document_hash = documents.document_hash

)

select * from document_cells
