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


def test_generated_statements_grade_one_only_with_two_publishers() -> None:
    """Two sources of one publisher are not independent (kg.curate.grading): at 100k facts
    the generator once drew such a pair with credibility 1, and `kg check` failed."""
    import random

    from kg.bench.generate import _Plan, _statement
    from kg.core.vocab import vocabulary

    plan = _Plan(vocabulary(), {"Country": ["country-0", "country-1"],
                                "Person": ["person-2"], "Company": ["company-3"]})
    sources = ["src-0", "src-1"]
    rng = random.Random(5)
    same = [" ".join(_statement(rng, plan, set(), n, sources,
                                {"src-0": "A News", "src-1": "A News"}))
            for n in range(400)]
    assert all("credibility: 1" not in s for s in same)
    rng = random.Random(5)
    other = [" ".join(_statement(rng, plan, set(), n, sources,
                                 {"src-0": "A News", "src-1": "B News"}))
             for n in range(400)]
    assert any("credibility: 1" in s and "src-0" in s and "src-1" in s for s in other)
