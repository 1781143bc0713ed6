-- Failed documents are listed in fct_reports and nowhere else.
with facts as (
    select document_hash from {{ ref('fct_application_outcomes') }}
    union all
    select document_hash from {{ ref('fct_proactive_disclosure') }}
    union all
    select document_hash from {{ ref('fct_review_litigation') }}
    union all
    select document_hash from {{ ref('fct_identity_checks') }}
    union all
    select document_hash from {{ ref('fct_check_results') }}
)

select facts.document_hash
from facts
inner join {{ ref('fct_reports') }} as reports
    on facts.document_hash = reports.document_hash
where reports.status = 'failed'
