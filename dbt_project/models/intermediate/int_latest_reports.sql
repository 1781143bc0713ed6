-- One report per agency and year (the latest arrival), the grain of the fact marts.

with

reporting_documents as (select * from {{ ref('int_reporting_documents') }})

select
    document_hash,
    agency,
    year,
    template

from reporting_documents
where agency_year_rank = 1
