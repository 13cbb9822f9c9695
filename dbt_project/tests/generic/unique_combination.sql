{# No two rows share the same values of all the given columns (a composite key), NULLs compared as values. #}
{% test unique_combination(model, columns) %}
select {{ columns | join(', ') }}, count(*) as n
from {{ model }}
group by all
having count(*) > 1
{% endtest %}
