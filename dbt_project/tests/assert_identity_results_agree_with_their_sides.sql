-- pass/fail follow from lhs and rhs; incomplete has no sides and names its missing cells.
select *
from {{ ref('fct_identity_checks') }}
where
    (result in ('pass', 'fail') and (lhs is null or rhs is null or missing_cells is not null))
    or (result = 'incomplete' and (lhs is not null or rhs is not null or missing_cells is null))
    or (result = 'pass' and abs(lhs - rhs) > {{ var('identity_tolerance') }})
    or (result = 'fail' and abs(lhs - rhs) <= {{ var('identity_tolerance') }})
