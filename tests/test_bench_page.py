"""The page-in-Chromium benchmark stage: it runs on a small size and reports what the report
needs (real Chromium; no timing asserted, speed belongs to ``kg bench``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from kg.bench.chromium import CHROMIUM, unavailable
from kg.bench.harness import Measure, Report, run_bench
from kg.bench.report import format_report
from kg.curate.load import load

pytest.importorskip("playwright.sync_api")


@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium is not installed")
def test_page_chromium_stage_reports_seconds_to_interactive(tmp_path: Path) -> None:
    assert unavailable() is None
    report = run_bench(sizes=("1k",), repeats=1, work=tmp_path, stages=("page-chromium",),
                       engines=(), project_queries=None)
    m = report.stages["1k"]["page-chromium"]
    assert m.note == "" and m.seconds is not None and m.seconds > 0
    info = m.info
    entities = len(load(tmp_path / "1k" / "data")[0].entities)
    assert info["nodes"] == entities and info["edges"] > 100  # the 1k size's own graph
    assert 0 < info["ready"] <= info["drawn"] <= info["seconds"]  # the order of the marks
    assert info["refused"] == 0 and info["clicked"]
    text = format_report(report)
    assert "| page-chromium |" in text
    assert f"1k = {entities} nodes / {info['edges']} edges" in text


def test_report_holds_the_chromium_stage_to_three_seconds() -> None:
    stages = {"1k": {"page-chromium-5k": Measure(2.5, 150.0, 1)},
              "10k": {"page-chromium-5k": Measure(3.5, 150.0, 1)},
              "100k": {"page-chromium-5k": Measure(None, None, 0,
                                                   note="not available: no Chromium")}}
    text = format_report(Report(["1k", "10k", "100k"], 1, stages, {}, {}))
    assert ("| page-chromium-5k: s to interactive, 5,000 nodes / 10,000 edges | <= 3 "
            "| 2.50 met | 3.50 NOT met | (not available: no Chromium) |") in text
