-- Informational: the identity breaches printed by the reports. They are findings for the expectations and
-- the maintainers' alerts, so this test warns and never fails the build.
{{ config(severity='warn') }}

select document_hash, agency, year, check_name, lhs, rhs
from {{ ref('fct_identity_checks') }}
where result = 'fail'
