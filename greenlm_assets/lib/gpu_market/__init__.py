"""GPU market: price clients (live + snapshot), parsers, and the one GPU name normaliser.

``normalise_gpu_name('NVIDIA H100 80GB HBM3') == 'h100-sxm-80gb'`` — see :mod:`.names` for the key scheme.
"""

from greenlm_assets.lib.gpu_market.names import normalise_gpu_name

__all__ = ["normalise_gpu_name"]
