-- One agency, one name: every agency name the documents print (normalised, macros/agency_names.sql) and the
-- one name the warehouse uses for its agency.
--   1. A name listed in the alias seed takes the seed's name (aliases are normalised the same way).
--   2. Otherwise a name that starts with a district, county or city (洪泽区人民政府) and is the end of
--      another printed name that only adds provinces or cities in front (淮安市洪泽区人民政府) is that
--      longer name: one agency printed with and without its city. Only when the longer names it could be
--      all nest in one another (淮安市洪泽区…, 江苏省淮安市洪泽区…): a 鼓楼区财政局 next to both
--      南京市鼓楼区财政局 and 福州市鼓楼区财政局 could be either and stays its own name until the alias seed
--      says which. Two names that each keep their city are never merged.
--   3. Otherwise the name itself.

with

documents as (

    select distinct agency_normalized
    from {{ ref('stg_documents') }}
    where agency_normalized is not null

),

agency_aliases as (

    select
        {{ normalize_agency_name('alias') }} as alias_normalized,
        min(agency) as agency
    from {{ ref('agency_aliases') }}
    group by all

),

aliased as (

    select
        documents.agency_normalized,
        coalesce(agency_aliases.agency, documents.agency_normalized) as agency_name,
        agency_aliases.agency is not null as is_alias
    from documents
    left join agency_aliases
        on documents.agency_normalized = agency_aliases.alias_normalized

),

names as (select distinct agency_name from aliased),

longer_names as (

    select
        shorter.agency_name,
        longer.agency_name as longer_name
    from names as shorter
    inner join names as longer
        on length(longer.agency_name) > length(shorter.agency_name)
        and suffix(longer.agency_name, shorter.agency_name)
        and {{ is_unit_prefix('left(longer.agency_name, length(longer.agency_name) - length(shorter.agency_name))') }}
    where {{ starts_with_local_unit('shorter.agency_name') }}

),

longest_names as (

    select agency_name, arg_max(longer_name, length(longer_name)) as longest_name
    from longer_names
    group by agency_name

),

unambiguous_longer_names as (

    select longer_names.agency_name, longest_names.longest_name
    from longer_names
    inner join longest_names
        on longer_names.agency_name = longest_names.agency_name
    group by all
    having bool_and(suffix(longest_names.longest_name, longer_names.longer_name))

),

resolved as (

    select
        aliased.agency_normalized,
        coalesce(unambiguous_longer_names.longest_name, aliased.agency_name) as agency,
        case
            when unambiguous_longer_names.longest_name is not null then 'unit_prefix'
            when aliased.is_alias then 'alias'
            else 'as_printed'
        end as matched_by
    from aliased
    left join unambiguous_longer_names
        on aliased.agency_name = unambiguous_longer_names.agency_name

)

select * from resolved
