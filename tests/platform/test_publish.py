"""Chart assets and the report: real materializations from the offline snapshots, files checked on disk."""

import base64
import struct
from html.parser import HTMLParser
from pathlib import Path

import dagster as dg
import matplotlib
import pandas as pd
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg

from greenlm_assets.defs.publish.report import TABLES
from greenlm_assets.lib.charts import CHARTS, ChartSpec
from greenlm_assets.lib.domains import domains
from greenlm_assets.lib.plotting import (
    PREVIEW_WIDTH_PX,
    annotate_points,
    new_figure,
    pareto_front,
    save_chart,
)
from greenlm_assets.lib.report import write_report
from tests.conftest import load_defs

matplotlib.use("Agg")

SEED_FIGURES = {"1", "2", "3", "4", "8", "9"}
SEED_TABLE_CLASS = "seed-study"


def png_size(path: Path) -> tuple[int, int]:
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    return struct.unpack(">II", head[16:24])


class PageParser(HTMLParser):
    """Collects <img src>, element ids and table classes of the report page."""

    def __init__(self) -> None:
        super().__init__()
        self.images: list[str] = []
        self.ids: set[str] = set()
        self.tables = 0
        self.seed_tables = 0
        self.missing = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "img":
            self.images.append(a["src"] or "")
        if a.get("id"):
            self.ids.add(a["id"] or "")
        classes = (a.get("class") or "").split()
        if tag == "table" and "data" in classes:
            if SEED_TABLE_CLASS in classes:
                self.seed_tables += 1
            else:
                self.tables += 1
        if "missing" in (a.get("class") or "").split():
            self.missing += 1


def test_chart_registry_covers_the_seed_figures_and_the_report_depends_on_every_chart() -> None:
    defs = load_defs()
    chart_keys = {spec.asset_key for spec in CHARTS.values()}
    assert {f.strip() for s in CHARTS.values() for f in (s.seed_figure or "").split(",") if f} >= SEED_FIGURES
    assert len(CHARTS) >= 8
    report = defs.resolve_assets_def(dg.AssetKey(["report", "greenlm_report"]))
    upstream = {dep for deps in report.asset_deps.values() for dep in deps}
    assert chart_keys <= upstream
    for spec in CHARTS.values():
        assets_def = defs.resolve_assets_def(spec.asset_key)
        assert assets_def.group_names_by_key[spec.asset_key] in domains(), (
            spec.name
        )  # a domain, never a layer


@pytest.mark.parametrize("name", sorted(CHARTS))
def test_each_chart_asset_materializes_a_real_image(platform: dict, name: str) -> None:
    png, svg = platform["charts"] / f"{name}.png", platform["charts"] / f"{name}.svg"
    width, height = png_size(png)
    assert width >= 800 and height >= 500, (width, height)
    assert png.stat().st_size > 25_000  # a blank or near-empty figure is a few KB
    assert svg.read_text().lstrip().startswith("<?xml")
    mats = platform["result"].asset_materializations_for_node(f"charts__{name}")
    assert len(mats) == 1
    meta = mats[0].metadata
    assert meta["chart"].value.startswith("![") and "data:image/png;base64," in meta["chart"].value
    # the UI gets the chart scaled to PREVIEW_WIDTH_PX (the event log keeps it on every run), the files full size
    inlined = base64.b64decode(meta["chart"].value.split("base64,", 1)[1].rstrip(")"))
    preview = platform["charts"] / ".preview" / f"{name}.png"
    assert inlined == preview.read_bytes()
    p_width, p_height = png_size(preview)
    assert p_width == min(width, PREVIEW_WIDTH_PX) and abs(p_height - height * p_width / width) <= 1
    assert len(inlined) < png.stat().st_size
    assert meta["rows"].value > 0
    assert "|" in meta["data_preview"].value  # a markdown table
    assert meta["provenance"].value == CHARTS[name].provenance


def test_report_page_is_self_contained_and_shows_every_chart(platform: dict) -> None:
    report = platform["report"]
    page = report / "index.html"
    parser = PageParser()
    parser.feed(page.read_text(encoding="utf-8"))
    assert parser.missing == 0
    assert parser.tables == len(TABLES)
    for src in parser.images:
        assert not src.startswith(("/", "http", "file:")), src  # relative: the folder travels as a whole
        png_size(report / src)
    for name in CHARTS:
        assert f"charts/{name}.png" in parser.images
        assert f"chart-{name}" in parser.ids
    for table in TABLES:
        assert f"table-{table.name}" in parser.ids
    mats = platform["result"].asset_materializations_for_node("report__greenlm_report")
    assert mats[0].metadata["charts"].value == len(CHARTS)


def test_report_has_the_seed_studies_section(platform: dict) -> None:
    """Every seed figure issue 16 describes: its heading, its charts, a table of study vs GreenLM values with the
    ratio and the reason; figure 2 says its values are not quoted; the SmolLM-135M table cell by cell."""
    page = (platform["report"] / "index.html").read_text(encoding="utf-8")
    parser = PageParser()
    parser.feed(page)
    assert "seed-studies" in parser.ids and "Seed studies side by side" in page
    figures = (2, 7, 10, 11, 12, 13, 14, 15)
    for figure in figures:
        assert f"seed-figure-{figure}" in parser.ids, figure
    assert "seed-smollm-135m" in parser.ids
    assert parser.seed_tables == len(figures) - 1 + 1  # figure 2 has no study values; + the SmolLM table
    section = page[page.index('id="seed-studies"') : page.index("<h2>Charts</h2>")]
    for column in (
        "study_value",
        "greenlm_value",
        "greenlm_to_study",
        "why_differs",
        "wh_ratio_greenlm_to_study",
    ):
        assert f"<th>{column}</th>" in section, column
    assert "values are not quoted in GreenLM" in section  # figure 2
    assert (
        'href="#chart-own_runs_tokens_per_s"' in section
        and 'href="#chart-seed_fig02_bloom_family"' in section
    )
    assert "1,100" in section and "cpu_hf_none" in section and "not run" in section
    mats = platform["result"].asset_materializations_for_node("report__greenlm_report")
    assert mats[0].metadata["seed_figures"].value == list(figures)


def test_report_discovers_a_new_chart_without_edits(tmp_path: Path) -> None:
    """Any registered spec is rendered: the report lists specs, not a hard-coded set of names."""
    charts = tmp_path / "charts"
    fig, ax = new_figure()
    ax.plot([1, 2], [1, 2])
    save_chart(fig, charts, "brand_new_chart")
    spec = ChartSpec(
        name="brand_new_chart",
        title="A chart <added> later",
        description="d",
        queries={"q": "SELECT 1"},
        deps=("marts/fct_x",),
        provenance="marts.fct_x",
        draw=lambda _data: fig,
    )
    page, shown = write_report(tmp_path / "report", [spec], charts, [], database="x.duckdb")
    html = page.read_text()
    assert 'src="charts/brand_new_chart.png"' in html
    assert "A chart &lt;added&gt; later" in html  # escaped
    assert (tmp_path / "report" / "charts" / "brand_new_chart.svg").exists()
    assert shown[0].png == "charts/brand_new_chart.png"


def test_pareto_front_by_hand() -> None:
    df = pd.DataFrame(
        {"cost": [1.0, 2.0, 2.0, 3.0, 4.0, 5.0], "quality": [10.0, 30.0, 20.0, 25.0, 40.0, 40.0]},
        index=list("abcdef"),
    )
    # a: cheapest; b: better than a; c: beaten by b (same cost); d: beaten by b; e: best; f: same as e, dearer.
    assert list(pareto_front(df, "cost", "quality")[lambda s: s].index) == ["a", "b", "e"]


def test_point_labels_do_not_overlap(tmp_path: Path) -> None:
    fig, ax = new_figure()
    xs = [1, 1.05, 1.1, 2, 2, 2, 3]
    ys = [1, 1.02, 1.04, 5, 5.1, 5.2, 3]
    ax.scatter(xs, ys)
    annotate_points(ax, xs, ys, [f"label number {i}" for i in range(len(xs))])
    save_chart(fig, tmp_path, "labels")  # labels are placed after the final layout
    renderer = FigureCanvasAgg(fig).get_renderer()  # save_chart closed the figure's own canvas
    boxes = [t.get_window_extent(renderer) for t in ax.texts if t.get_text()]
    assert len(boxes) == len(xs)
    overlaps = [
        (i, j) for i in range(len(boxes)) for j in range(i + 1, len(boxes)) if boxes[i].overlaps(boxes[j])
    ]
    assert overlaps == []
