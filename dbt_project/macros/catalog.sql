{#
  Model identity for the catalog (one place for the rule; documented in docs/catalog.md, "Model catalog").
  catalog_model_key: a lowercase normalised name that joins leaderboard ids (meta-llama/Llama-3.1-8B-Instruct),
  ML.ENERGY / LLM-Perf ids and human model-card names (Llama 3.1 8B):
    1. drop parenthetical remarks          "GPT-3 175B (davinci)"          -> "GPT-3 175B"
    2. lowercase, drop the org prefix      "meta-llama/Llama-2-7b-hf"      -> "llama-2-7b-hf"
    3. spaces/underscores -> "-"           "llama 3.1 8b"                  -> "llama-3.1-8b"
    4. split a leading name from its digit "qwen2.5-7b" / "llama2-7b"      -> "qwen-2.5-7b" / "llama-2-7b"
    5. "meta-llama-" -> "llama-"            "meta-llama-3-8b"               -> "llama-3-8b"
    6. drop the "-hf" packaging suffix, collapse and trim dashes.
#}
{% macro catalog_model_key(name) -%}
    trim(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(regexp_replace(
        lower(trim(regexp_replace({{ name }}, '\s*\([^)]*\)', '', 'g'))),
        '^.*/', ''),
        '[\s_]+', '-', 'g'),
        '^([a-z]+)([0-9])', '\1-\2'),
        '^meta-llama-', 'llama-'),
        '-hf$', ''),
        '-+', '-', 'g'), '-')
{%- endmacro %}

{# The pretrained model a tuned variant comes from, for joining training facts: drop -instruct/-chat/-it/-base. #}
{% macro catalog_base_model_key(model_key) -%}
    regexp_replace({{ model_key }}, '(-(instruct|chat|it|base))+$', '')
{%- endmacro %}

{# Family: the leading name plus its version number when it has one ("llama-3.1", "gemma-2", "mistral"). #}
{% macro catalog_family(model_key) -%}
    nullif(regexp_extract({{ model_key }}, '^([a-z]+(-[0-9.]+)?)(-|$)', 1), '')
{%- endmacro %}

{# Source precision strings -> fp32 / bf16 / fp16 / fp8 / int8 / int4 / mxfp4 (NULL when unknown). #}
{% macro catalog_precision(value) -%}
    case lower(trim({{ value }}))
        when 'float32' then 'fp32' when 'fp32' then 'fp32'
        when 'bfloat16' then 'bf16' when 'bf16' then 'bf16'
        when 'float16' then 'fp16' when 'fp16' then 'fp16'
        when 'fp8' then 'fp8'
        when '8bit' then 'int8' when 'int8' then 'int8'
        when '4bit' then 'int4' when 'int4' then 'int4' when 'gptq' then 'int4'
        when 'mxfp4' then 'mxfp4'
    end
{%- endmacro %}

{# Bytes per stored parameter (MEASUREMENT.md: fp32 4, bf16/fp16 2, int8/fp8 1, int4/mxfp4 0.5). #}
{% macro catalog_bytes_per_param(precision) -%}
    cast(case {{ precision }}
        when 'fp32' then 4.0 when 'bf16' then 2.0 when 'fp16' then 2.0
        when 'fp8' then 1.0 when 'int8' then 1.0
        when 'int4' then 0.5 when 'mxfp4' then 0.5
    end as double)
{%- endmacro %}

{# True when two positive values differ by more than factor x; NULL when either is missing (DuckDB's greatest and
   least skip NULLs, so they cannot be used directly). #}
{% macro catalog_ratio_exceeds(a, b, factor) -%}
    case when {{ a }} > 0 and {{ b }} > 0
        then greatest({{ a }}, {{ b }}) / least({{ a }}, {{ b }}) > {{ factor }} end
{%- endmacro %}
