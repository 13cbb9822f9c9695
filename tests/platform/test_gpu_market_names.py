"""normalise_gpu_name: every spelling used by the sources maps to one gpu_key; non-GPUs map to None."""

from __future__ import annotations

import pytest

from greenlm_assets.lib.gpu_market import normalise_gpu_name


@pytest.mark.parametrize(
    ("name", "key"),
    [
        # H100 SXM: RunPod device id, Epoch, tugot17, FSDL, Amazon, ewyluda, torch.cuda.get_device_name()
        ("NVIDIA H100 80GB HBM3", "h100-sxm-80gb"),
        ("H100 SXM5", "h100-sxm-80gb"),
        ("NVIDIA H100", "h100-sxm-80gb"),
        ("NVIDIA H100 SXM5 80GB", "h100-sxm-80gb"),
        ("H100_80GB SXM5", "h100-sxm-80gb"),
        ("H100 HGX (80GB)", "h100-sxm-80gb"),
        ("NVIDIA H100 SXM5 80 GB", "h100-sxm-80gb"),
        ("H100", "h100-sxm-80gb"),
        # other H100 forms are other GPUs
        ("NVIDIA H100 PCIe", "h100-pcie-80gb"),
        ("H100-PCIe", "h100-pcie-80gb"),
        ("NVIDIA H100 NVL", "h100-nvl-94gb"),
        ("NVIDIA H100 NVL 96GB", "h100-nvl-94gb"),  # snapped to the known size (within 10 %)
        ("NVIDIA H100 PCIe 96 GB", "h100-pcie-96gb"),
        # H200 / B200 / GH200
        ("NVIDIA H200", "h200-sxm-141gb"),
        ("H200_141GB", "h200-sxm-141gb"),
        ("NVIDIA H200 NVL", "h200-nvl-141gb"),
        ("B200_180GB", "b200-180gb"),
        ("NVIDIA B200", "b200-180gb"),
        ("GH200 (96 GB)", "gh200-96gb"),
        # A100: memory and form both matter; typo "PCle" (lower-case L) of Amazon listings
        ("NVIDIA A100-SXM4-80GB", "a100-sxm-80gb"),
        ("A100-80GB", "a100-sxm-80gb"),
        ("A100 (40 GB)", "a100-sxm-40gb"),
        ("NVIDIA A100 SXM4 40 GB", "a100-sxm-40gb"),
        ("NVIDIA A100 80GB PCIe", "a100-pcie-80gb"),
        ("A100-80GB-PCIe", "a100-pcie-80gb"),
        ("NVIDIA A100 40GB PCle", "a100-pcie-40gb"),
        # inference cards, consumer and workstation cards
        ("NVIDIA L4", "l4-24gb"),
        ("L4 (24 GB)", "l4-24gb"),
        ("NVIDIA L40S", "l40s-48gb"),
        ("L40", "l40-48gb"),
        ("NVIDIA Tesla T4", "t4-16gb"),
        ("A10G (24 GB)", "a10g-24gb"),
        ("NVIDIA A10 PCIe", "a10-24gb"),
        ("Tesla V100-PCIE-16GB", "v100-pcie-16gb"),
        ("NVIDIA Tesla V100 SXM2 32 GB", "v100-sxm-32gb"),
        ("NVIDIA GeForce RTX 4090", "rtx-4090-24gb"),
        ("RTX 4090", "rtx-4090-24gb"),
        ("3080Ti (12 GB)", "rtx-3080-ti-12gb"),
        ("NVIDIA GeForce RTX 4080 SUPER", "rtx-4080-super-16gb"),
        ("A6000 (48 GB)", "rtx-a6000-48gb"),
        ("NVIDIA RTX A6000", "rtx-a6000-48gb"),
        ("NVIDIA RTX 6000 Ada Generation", "rtx-6000-ada-48gb"),
        ("RTX 6000 Ada", "rtx-6000-ada-48gb"),
        ("NVIDIA Quadro RTX 6000", "quadro-rtx-6000-24gb"),
        ("RTX4000 (8 GB)", "quadro-rtx-4000-8gb"),
        ("NVIDIA RTX PRO 6000 Blackwell Server Edition", "rtx-pro-6000-96gb"),
        ("AMD Instinct MI300X OAM", "mi300x-192gb"),
        ("MI300X", "mi300x-192gb"),
    ],
)
def test_spellings_map_to_one_key(name: str, key: str) -> None:
    assert normalise_gpu_name(name) == key


@pytest.mark.parametrize(
    "name",
    [
        None,
        "",
        "   ",
        "unknown",
        "NVIDIA RTX PRO 6000 Blackwell Server Edition MIG 1g.24gb",  # a slice, not a GPU
        "PRO 6000 MIG 48GB",
        "Google TPU v5p",
        "Tianshu Zhixin Tiangai 100 (BI-V100)",  # another vendor's chip with an NVIDIA-like token
        "Huawei Ascend 910B",
        "NVIDIA GeForce GTX 1080",  # not in the catalogue: unknown, never guessed
        "A100 (20 GB)",  # no A100 has 20 GB (a MIG profile): unknown rather than snapped
    ],
)
def test_non_gpus_and_unknown_names_map_to_none(name: str | None) -> None:
    assert normalise_gpu_name(name) is None


def test_key_scheme() -> None:
    key = normalise_gpu_name("NVIDIA H100 80GB HBM3")
    assert key == key.lower() and " " not in key and key.endswith("gb")
