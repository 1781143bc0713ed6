-- The review queue: one row per cell of a representative report that extraction could not settle and no
-- maintainer has corrected yet (value_status 'uncertain' in the fact marts), with the readings the parser
-- hesitated between, where the cell is in the source (line; page and box; or table, row and column), and a
-- line to paste into the corrections file (REVIEW_CORRECTIONS_PATH) once the value is read on the page:
-- replace the `?` by the number printed (empty for a blank cell) and fill decided_by / decided_at.

with

report_cells as (

    select * from {{ ref('int_report_cells') }}
    where value_status = 'uncertain'

),

cells as (select * from {{ ref('int_document_cells') }}),
reports as (select * from {{ ref('int_reporting_documents') }}),

queue as (

    select
        report_cells.document_hash || ':' || report_cells.cell_key as cell_id,
        report_cells.agency,
        report_cells.year,
        report_cells.document_hash,
        reports.object_key,
        reports.original_name,
        reports.format,
        report_cells.cell_key,
        report_cells.table_no,
        report_cells.row_key,
        report_cells.col_key,
        report_cells.value as provisional_value,
        cells.uncertain_because,
        array_to_string(
            list_transform(
                from_json(coalesce(cells.candidates_json, '[]'), '["DOUBLE"]'),
                lambda candidate: case when candidate = trunc(candidate) then cast(cast(candidate as bigint) as varchar)
                                  else cast(candidate as varchar) end
            ), ' | ') as candidates,
        report_cells.line,
        report_cells.page,
        case
            when report_cells.line is not null then 'line ' || report_cells.line
            when report_cells.page is not null then 'page ' || report_cells.page
                || coalesce(', box ' || array_to_string(
                    from_json(json_extract(cells.provenance_json, '$.bbox'), '["DOUBLE"]'), ','), '')
            when json_extract(cells.provenance_json, '$.table_index') is not null then
                'table ' || json_extract_string(cells.provenance_json, '$.table_index')
                || ', row ' || json_extract_string(cells.provenance_json, '$.row_index')
                || ', column ' || json_extract_string(cells.provenance_json, '$.col_index')
        end as location

    from report_cells
    inner join cells
        on report_cells.document_hash = cells.document_hash
        and report_cells.cell_key = cells.cell_key
    inner join reports
        on report_cells.document_hash = reports.document_hash

),

with_lines as (

    select
        *,
        document_hash || ',' || cell_key || ',?,"'
            || replace(
                concat_ws('; ', 'candidates ' || nullif(candidates, ''), uncertain_because, location),
                '"', '""')
            || '",,' as correction_line

    from queue

)

select * from with_lines
