{% test at_least_rows(model, min_rows) %}
select count(*) as n from {{ model }} having count(*) < {{ min_rows }}
{% endtest %}
