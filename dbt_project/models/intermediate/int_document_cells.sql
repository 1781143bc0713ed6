-- A table, not a view: several models and data tests read it, and as a view each of them computed it again
-- (at 10,000 reports its tests alone took seconds each).
{{ config(materialized='table') }}

-- Every cell of every landed document with the maintainers' corrections applied (stg_corrections): the value
-- to quote, the value extraction read, and its status:
--   printed    read with certainty;
--   uncertain  a provisional reading the parser could not settle (certain = false in its provenance);
--   corrected  a maintainer's value (a correction may also give a cell extraction did not read at all).
-- Checks and facts are computed on `value`.

with

cells as (select * from {{ ref('stg_cells') }}),
corrections as (select * from {{ ref('stg_corrections') }}),

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

)

select * from document_cells
