{# SLM when params_b <= var('slm_max_params_b') (default 7), LLM above it, NULL when the size is unknown. #}
{% macro size_class(params_b) -%}
    case
        when {{ params_b }} is null then null
        when {{ params_b }} <= {{ var('slm_max_params_b') }} then 'SLM'
        else 'LLM'
    end
{%- endmacro %}
