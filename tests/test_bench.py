"""The benchmark harness runs stages in fresh processes and reports ratios (no timing asserted)."""

from __future__ import annotations

from pathlib import Path

import pytest

from kg.bench.harness import run_bench
from kg.bench.report import format_report, growth
from tests.conftest import run_kg


def test_growth_exponent_is_one_for_linear_cost() -> None:
    assert growth(1.0, 10.0, "10k", "100k") == pytest.approx(1.0)
    assert growth(1.0, 100.0, "10k", "100k") == pytest.approx(2.0)
    assert growth(None, 3.0, "1k", "10k") is None


def test_run_bench_measures_stages_and_baselines(tmp_path: Path) -> None:
    report = run_bench(sizes=("1k",), repeats=1, work=tmp_path, stages=("yaml-c", "load"),
                       engines=(), project_queries=None)
    stages = report.stages["1k"]
    assert stages["load"].seconds is not None and stages["load"].seconds > 0
    assert stages["load"].info["records"] == 1000
    assert stages["yaml-c"].peak_mib is not None and stages["yaml-c"].peak_mib > 0
    text = format_report(report)
    assert "| load |" in text and "| yaml-c |" in text
    assert "build / yaml-c (time) | <= 1.3 | — |" in text  # no build measured: no ratio


def test_cli_rejects_unknown_size(tmp_path: Path) -> None:
    done = run_kg("bench", "--sizes", "5k", "--work", str(tmp_path), cwd=tmp_path)
    assert done.returncode == 1
    assert "unknown size '5k'" in done.stderr
