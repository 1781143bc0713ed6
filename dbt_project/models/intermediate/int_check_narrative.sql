-- A table, not a view: several models and data tests read it, and as a view each of them computed it again
-- (at 10,000 reports its tests alone took seconds each).
{{ config(materialized='table') }}

-- Check 8 of the spec (narrative_8): a number the prose states ("全年共收到政府信息公开申请N件", found by
-- extract/narrative.py) equals the table cell(s) it restates. One row per statement (a name stated twice is
-- `name#2`): lhs the stated number, rhs the sum of its cells, `incomplete` when one of them is blank or
-- absent; `line` is the sentence's. A statement about a table the report does not print (no 表四:
-- "未发生行政复议") is not compared. Checked documents only, on the corrected values.

with

reporting_documents as (select * from {{ ref('int_reporting_documents') }} where is_checked),
cells as (select * from {{ ref('int_document_cells') }}),

stated as (

    select
        document_hash,
        unnest(from_json(
            json_extract(narrative_json, '$.stated_numbers'),
            '[{"name": "VARCHAR", "cell_keys": ["VARCHAR"], "value": "DOUBLE", "phrase": "VARCHAR", "line": "INTEGER"}]'
        )) as statement
    from reporting_documents
    where narrative_json is not null

),

statements as (

    select
        document_hash,
        statement.name as statement_name,
        statement.value as stated_value,
        statement.phrase as phrase,
        statement.line as line,
        statement.cell_keys as cell_keys,
        row_number() over (partition by document_hash, statement.name order by statement.line) as ordinal
    from stated

),

statement_cells as (

    select
        statements.document_hash,
        statements.statement_name,
        statements.ordinal,
        statements.stated_value,
        statements.phrase,
        statements.line,
        statement_keys.statement_cell_key,
        cells.cell_key is not null as printed,
        cells.value
    from statements
    cross join unnest(statements.cell_keys) as statement_keys(statement_cell_key)
    left join cells
        on cells.document_hash = statements.document_hash
        and cells.cell_key = statement_keys.statement_cell_key

),

checks as (

    select
        document_hash,
        null as compared_document_hash,
        'narrative_8' as check_code,
        'statement' as scope_kind,
        statement_name || case when ordinal > 1 then '#' || ordinal else '' end as scope,
        any_value(stated_value) as lhs,
        case when bool_and(value is not null) then sum(value) end as rhs,
        case
            when not bool_and(value is not null) then 'incomplete'
            when abs(any_value(stated_value) - sum(value)) <= {{ var('identity_tolerance') }} then 'pass'
            else 'fail'
        end as result,
        nullif(string_agg(case when value is null then statement_cell_key end, ','), '') as missing_cells,
        '"' || any_value(phrase) || '" vs ' || string_agg(statement_cell_key, ' + ' order by statement_cell_key)
            as detail,
        any_value(line) as line,
        null as page
    from statement_cells
    group by document_hash, statement_name, ordinal
    having bool_or(printed)

)

{{ select_check_rows('checks') }}
