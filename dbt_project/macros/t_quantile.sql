{#
  Two-sided 95 % Student t quantile t(0.975, df) for df = 1..30 (any statistics table, e.g. NIST/SEMATECH e-Handbook
  of Statistical Methods, section 1.3.6.7.2), 1.96 above 30, NULL below 1 (one window has no interval). The same
  table as jobs/accounting.py T_975, so the harness and staging give one interval.
#}
{% macro t_975(df) -%}
    case
        when {{ df }} between 1 and 30 then [
            12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160, 2.145, 2.131,
            2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042
        ][{{ df }}]
        when {{ df }} > 30 then 1.96
    end
{%- endmacro %}
