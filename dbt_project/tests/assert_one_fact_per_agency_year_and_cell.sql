-- Two renderings of one report must not double the facts of an agency and year.
select 'outcomes' as mart, agency, year, outcome || '.' || applicant_type as cell, count(*) as n
from {{ ref('fct_application_outcomes') }}
group by agency, year, outcome, applicant_type
having count(*) > 1

union all

select 'disclosure', agency, year, category || '.' || measure, count(*)
from {{ ref('fct_proactive_disclosure') }}
group by agency, year, category, measure
having count(*) > 1

union all

select 'review_litigation', agency, year, proceeding || '.' || result, count(*)
from {{ ref('fct_review_litigation') }}
group by agency, year, proceeding, result
having count(*) > 1
