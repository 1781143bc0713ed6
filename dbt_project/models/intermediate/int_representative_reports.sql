-- One report per agency and year (the representative document, see int_reporting_documents): the grain of
-- the fact marts and of the checks across years.

with

reporting_documents as (select * from {{ ref('int_reporting_documents') }})

select
    document_hash,
    agency,
    year,
    template

from reporting_documents
where is_representative
