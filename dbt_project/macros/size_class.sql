{#
  The one SLM/LLM rule (MEASUREMENT.md "Size class"), used by every model that has a size class:
    SLM when the EXACT parameter count <= var('slm_max_params_b') (default 7), LLM above it.
  A count is exact when it comes from the model_architectures seed (config.json / model card, cited per row), the
  leaderboard v2 '#Params (B)' or Epoch AI with decimals, or GreenLM's harness (it counts the loaded parameters).
  A rounded or nominal count x (leaderboard v1 integers, ML.ENERGY's sizes read from the name, a footprint's "7B")
  only says the exact count lies in [params_b_lower_bound(x), params_b_upper_bound(x)]: the class is decided only
  when that whole interval is on one side of the threshold, otherwise it is NULL (undetermined), never a guess.
  MoE models are classed by their total parameters (what must be held in memory).
#}

{# Size class of a count known to lie in [params_b_min, params_b_max] (pass one argument for an exact count).
   threshold defaults to var('slm_max_params_b'); the sensitivity mart passes 7, 7.5, 8. #}
{% macro size_class(params_b_min, params_b_max=none, threshold=none) -%}
    {%- set hi = params_b_max if params_b_max is not none else params_b_min -%}
    {%- set t = threshold if threshold is not none else var('slm_max_params_b') -%}
    case
        when {{ params_b_min }} is null or {{ hi }} is null then null
        when {{ hi }} <= {{ t }} then 'SLM'
        when {{ params_b_min }} > {{ t }} then 'LLM'
    end
{%- endmacro %}

{# Bounds of a rounded or nominal count x: x -/+ var('rounded_params_tolerance_b') or x /x var
   ('rounded_params_tolerance_ratio'), whichever is wider, never below 0 (Gemma "7B" is 8.54B: +22 %; leaderboard
   v1 lists it as 8). An exact count is its own bound. #}
{% macro params_b_lower_bound(params_b, is_exact) -%}
    case
        when {{ is_exact }} then {{ params_b }}
        else greatest(0, least({{ params_b }} - {{ var('rounded_params_tolerance_b') }},
            {{ params_b }} / {{ var('rounded_params_tolerance_ratio') }}))
    end
{%- endmacro %}

{% macro params_b_upper_bound(params_b, is_exact) -%}
    case
        when {{ is_exact }} then {{ params_b }}
        else greatest({{ params_b }} + {{ var('rounded_params_tolerance_b') }},
            {{ params_b }} * {{ var('rounded_params_tolerance_ratio') }})
    end
{%- endmacro %}

{# A published size is taken as exact when it has decimals and is not just the size in the model's name: an
   integer (leaderboard v2 lists gemma-2-9b as 9.000 for 9.24B, gpt-j-6b as 6.000) or the name's own figure
   (pythia-6.9b as 6.900 for 6.857B, SmolLM2-360M as 0.360 for 0.362B) is a rounded or name-derived figure. #}
{% macro params_b_looks_exact(params_b, nominal_size) -%}
    ({{ params_b }} is not null and round({{ params_b }}, 3) <> round({{ params_b }})
        and round({{ params_b }}, 3) is distinct from round({{ nominal_size_b(nominal_size) }}, 3))
{%- endmacro %}

{# "7.5B" -> 7.5, "135M" -> 0.135; NULL for "8x7B", "A2.7B" or no size. #}
{% macro nominal_size_b(nominal_size) -%}
    case
        when regexp_full_match({{ nominal_size }}, '[0-9]+(\.[0-9]+)?B') then try_cast(rtrim({{ nominal_size }}, 'B') as double)
        when regexp_full_match({{ nominal_size }}, '[0-9]+(\.[0-9]+)?M') then try_cast(rtrim({{ nominal_size }}, 'M') as double) / 1000
    end
{%- endmacro %}

{# The nominal family size in a model name: "gemma-7b" -> 7B, "xglm-7.5b" -> 7.5B, "mixtral-8x7b-..." -> 8x7B,
   "smollm-2-135m" -> 135M; NULL when the name carries none ("qwen-1.5-moe-a2.7b", "gpt-2"). #}
{% macro nominal_size(model_key) -%}
    nullif(replace(upper(regexp_extract({{ model_key }}, '(^|-)(([0-9]+x)?[0-9]+(\.[0-9]+)?[bm])(-|$)', 2)), 'X', 'x'), '')
{%- endmacro %}
