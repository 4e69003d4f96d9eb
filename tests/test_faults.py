"""Faults: killed builds, full disks, concurrent builds, and very deep or long inputs.

Every test runs the real CLI in its own process. A fault must leave the previous out/
complete (each file is byte-for-byte the old or the new version), no visible partial
file, and an error message instead of a traceback.
"""

from __future__ import annotations

import os
import re
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import DATA, ROOT, run_kg, tree_snapshot

OUTPUT_NAMES = {"graph.ttl", "graph.nt", "graph.jsonld", "graph.html"}
EXTRA = "entities:\n  - {id: extra-place, type: Place, label: Extra place}\n"


def kg_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "kg", *args]


def kg_env() -> dict[str, str]:
    return dict(os.environ, PYTHONPATH=str(ROOT), PYTHONIOENCODING="utf-8")


def outputs(out: Path) -> dict[str, bytes]:
    """The visible output files (hidden ones are the lock and staged temporaries; the
    manifest and the store generations are checked by tests/test_built.py)."""
    return {k: v for k, v in tree_snapshot(out).items()
            if not k.startswith((".", "store/")) and k != "manifest.json"}


@pytest.fixture(scope="module")
def versions(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, bytes],
                                                                  dict[str, bytes]]:
    """A project whose out/ holds the build of the shipped data ("old"), and whose data/
    has one more file; plus the bytes a complete build of that data gives ("new")."""
    root = tmp_path_factory.mktemp("versions")
    shutil.copytree(DATA, root / "data")
    assert run_kg("build", cwd=root).returncode == 0
    old = outputs(root / "out")
    (root / "data" / "extra.yaml").write_text(EXTRA, encoding="utf-8")
    done = run_kg("build", "--out", "new", cwd=root)
    assert done.returncode == 0, done.stderr
    new = outputs(root / "new")
    assert set(old) == set(new) == OUTPUT_NAMES
    assert all(old[k] != new[k] for k in old)
    shutil.rmtree(root / "new")
    return root, old, new


@pytest.fixture
def project(versions: tuple[Path, dict[str, bytes], dict[str, bytes]], tmp_path: Path) -> Path:
    target = tmp_path / "project"
    shutil.copytree(versions[0], target)
    return target


def assert_complete(out: Path, old: dict[str, bytes], new: dict[str, bytes]) -> None:
    """Every visible file is a whole old or a whole new output; nothing else is visible."""
    found = outputs(out)
    assert set(found) == OUTPUT_NAMES
    for name, content in found.items():
        assert content in (old[name], new[name]), f"{name} is partial"


def staged_temps(out: Path) -> list[str]:
    return sorted(p.name for p in out.glob(".graph.*.tmp"))


# -- killed mid-write ----------------------------------------------------------------------


def _kill_when_staging(proc: subprocess.Popen[bytes], out: Path, deadline: float) -> bool:
    """SIGKILL ``proc`` as soon as a staged file appears; True if one was seen."""
    while time.monotonic() < deadline and proc.poll() is None:
        if any(n.startswith(".graph.") for n in os.listdir(out)):
            proc.kill()
            return True
    proc.kill()
    return False


def test_build_killed_at_many_points_leaves_previous_out_complete(
        project: Path, versions: tuple[Path, dict[str, bytes], dict[str, bytes]]) -> None:
    _, old, new = versions
    out = project / "out"
    started = time.monotonic()
    assert run_kg("build", cwd=project).returncode == 0
    full = time.monotonic() - started
    shutil.rmtree(out)
    shutil.copytree(versions[0] / "out", out)
    caught_staging = 0
    # Timed kills spread over a whole build, then kills at the moment files are staged.
    delays = [full * f for f in (0.1, 0.3, 0.5, 0.7, 0.85, 0.95)] + [None] * 6
    for delay in delays:
        # (--no-cache for the staging kills: once a timed one let a build complete, a
        # cached build would find out/ up to date and stage nothing)
        args = ("build",) if delay is not None else ("build", "--no-cache")
        proc = subprocess.Popen(kg_command(*args), cwd=project, env=kg_env(),
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if delay is None:
            caught_staging += _kill_when_staging(proc, out, time.monotonic() + 4 * full + 5)
        else:
            time.sleep(delay)
            proc.kill()
        proc.wait()
        assert_complete(out, old, new)
    assert caught_staging >= 1, "no kill landed while outputs were being staged"
    # The next build removes the temporaries the killed ones left, and completes.
    done = run_kg("build", "--lock-wait", "0", cwd=project)
    assert done.returncode == 0, done.stderr
    assert outputs(out) == new
    assert staged_temps(out) == []


def test_rebuild_that_keeps_the_rdf_files_removes_their_stale_temporaries(
        project: Path) -> None:
    """A rebuild that finds the RDF files still right does not rewrite them; the temporaries a
    killed build left beside them must go all the same (once found left by CI's kill loop)."""
    out = project / "out"
    assert run_kg("build", cwd=project).returncode == 0
    (out / "manifest.json").unlink()  # not up to date: the rebuild plan runs, nothing changed
    stale = [out / f".{name}.k1ll3d.tmp" for name in sorted(OUTPUT_NAMES)]
    for path in stale:
        path.write_text("partial", encoding="utf-8")
    done = run_kg("build", cwd=project)
    assert done.returncode == 0, done.stderr
    assert "only what changed was rewritten" in done.stdout
    assert staged_temps(out) == []


def test_next_build_removes_stale_temporaries(project: Path) -> None:
    out = project / "out"
    stale = [out / ".graph.ttl.abc123.tmp", out / ".graph.html.x_y.tmp"]
    for path in stale:
        path.write_text("partial", encoding="utf-8")
    keep = out / ".notes.tmp"  # not kg's: left alone
    keep.write_text("mine", encoding="utf-8")
    assert run_kg("build", cwd=project).returncode == 0
    assert not any(p.exists() for p in stale)
    assert keep.read_text(encoding="utf-8") == "mine"


# -- no space left -------------------------------------------------------------------------


def _limit_file_size(limit: int) -> None:  # runs in the child, before exec
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))


def test_file_size_limit_gives_clear_error_and_keeps_out(
        project: Path, versions: tuple[Path, dict[str, bytes], dict[str, bytes]]) -> None:
    out = project / "out"
    before = tree_snapshot(out)
    # Big enough for the Turtle file, too small for the HTML page: a write fails midway.
    limit = len(versions[2]["graph.ttl"]) + 4096
    assert limit < len(versions[2]["graph.html"])
    done = subprocess.run(kg_command("build"), cwd=project, env=kg_env(), capture_output=True,
                          text=True, timeout=120, preexec_fn=lambda: _limit_file_size(limit),
                          check=False)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert "kg: error: " in done.stderr
    assert re.fullmatch(r"kg: error: out/graph\.\w+: cannot write: File too large\n",
                        done.stderr), done.stderr
    assert tree_snapshot(out) == before
    assert staged_temps(out) == []


def _mount_tmpfs(path: Path, size: str) -> bool:
    path.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)],
                          capture_output=True, check=False)
    return done.returncode == 0


def test_full_disk_gives_clear_error_and_keeps_out(
        project: Path, versions: tuple[Path, dict[str, bytes], dict[str, bytes]]) -> None:
    disk = project / "disk"
    _, _, new = versions
    # Room for the old outputs and some of the new ones, never for all of them.
    # (old out/ in full: with its manifest and store generation, kg.pipeline.artifact)
    whole = sum(map(len, tree_snapshot(versions[0] / "out").values()))
    size = whole + len(new["graph.ttl"]) + 64 * 1024
    assert size + 64 * 1024 < whole + sum(map(len, new.values()))
    if os.geteuid() != 0 or shutil.which("mount") is None or \
            not _mount_tmpfs(disk, f"{size // 1024}k"):
        pytest.skip("needs root to mount a small tmpfs (the RLIMIT_FSIZE test covers this)")
    try:
        out = disk / "out"
        shutil.copytree(versions[0] / "out", out)
        before = tree_snapshot(out)
        done = run_kg("build", "--out", str(out), cwd=project)
        assert done.returncode == 1
        assert "Traceback" not in done.stderr
        assert ": cannot write: No space left on device" in done.stderr
        assert f"kg: error: {out}/graph." in done.stderr  # the file is named
        assert tree_snapshot(out) == before
        assert staged_temps(out) == []
    finally:
        subprocess.run(["umount", str(disk)], check=True)


# -- two builds at once --------------------------------------------------------------------


HOLD_LOCK = """
import sys
from kg.pipeline.lock import build_lock
with build_lock(sys.argv[1]):
    print("locked", flush=True)
    sys.stdin.readline()
"""


def test_second_build_fails_fast_while_the_lock_is_held(project: Path) -> None:
    out = project / "out"
    before = tree_snapshot(out)
    holder = subprocess.Popen([sys.executable, "-c", HOLD_LOCK, str(out)], env=kg_env(),
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "locked\n"
        done = run_kg("build", "--lock-wait", "0", cwd=project)
        assert done.returncode == 1
        assert "Traceback" not in done.stderr
        assert "kg: error: out: another kg build is writing this folder; nothing written" \
            in done.stderr
        assert tree_snapshot(out) == before
    finally:
        holder.communicate("\n", timeout=30)


def test_second_build_waits_for_the_first(
        project: Path, versions: tuple[Path, dict[str, bytes], dict[str, bytes]]) -> None:
    out = project / "out"
    before = tree_snapshot(out)
    holder = subprocess.Popen([sys.executable, "-c", HOLD_LOCK, str(out)], env=kg_env(),
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert holder.stdout is not None and holder.stdout.readline() == "locked\n"
    waiter = subprocess.Popen(kg_command("build", "--lock-wait", "120"), cwd=project,
                              env=kg_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True)
    try:
        time.sleep(3)
        assert tree_snapshot(out) == before  # nothing written while the lock is held
    finally:
        holder.communicate("\n", timeout=30)
    _, err = waiter.communicate(timeout=120)
    assert waiter.returncode == 0, err
    assert outputs(out) == versions[2]


def test_two_builds_started_together_both_complete(
        project: Path, versions: tuple[Path, dict[str, bytes], dict[str, bytes]]) -> None:
    procs = [subprocess.Popen(kg_command("build"), cwd=project, env=kg_env(),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(2)]
    for proc in procs:
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
    assert outputs(project / "out") == versions[2]
    assert staged_temps(project / "out") == []


# -- deep and long inputs ------------------------------------------------------------------


def test_deeply_nested_yaml_fails_cleanly(project: Path) -> None:
    """10,000 levels: kg's own error at the level past kg.curate.yamlread.MAX_DEPTH, the same text
    and position whether or not the PyYAML release has a nesting limit of its own (6.0.4
    stops libyaml at 1,000 levels with a message of its own; 6.0.3 has none)."""
    depth = 10_000
    (project / "data" / "deep.yaml").write_text(
        "entities:\n  - {id: deep, type: Place, label: Deep, aliases: "
        + "[" * depth + "]" * depth + "}\n", encoding="utf-8")
    (project / "data" / "deeper.yaml").write_text(
        "entities:\n  - id: deeper\n    type: Place\n    label: Deeper\n    note: "
        + "{a: " * depth + "b" + "}" * depth + "\n", encoding="utf-8")
    (project / "data" / "blocks.yaml").write_text(
        "entities:\n  " + "- " * depth + "x\n", encoding="utf-8")
    before = tree_snapshot(project / "out")
    done = run_kg("build", cwd=project)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr and "RecursionError" not in done.stderr
    assert "maximum nesting depth" not in done.stderr  # libyaml's words never reach the user
    too_deep = "error: YAML nested more than 100 levels deep (kg's limit; curated data needs a few)"
    assert done.stderr.splitlines() == [
        f"data/blocks.yaml:2:201: {too_deep}: 'a list'",
        f"data/deep.yaml:2:148: {too_deep}: 'a list'",
        f"data/deeper.yaml:5:399: {too_deep}: 'a mapping'",
        "3 error(s); nothing written",
    ]
    assert tree_snapshot(project / "out") == before


@pytest.mark.parametrize("sparql", [
    "SELECT * WHERE { FILTER(" + "(" * 3000 + "1" + ")" * 3000 + ") }",
    "SELECT * WHERE " + "{" * 3000 + "}" * 3000,
    "ASK { " + "OPTIONAL { ?s ?p ?o " * 800 + "}" * 800 + " }",
], ids=["parentheses", "groups", "optionals"])
def test_deeply_nested_queries_fail_cleanly(project: Path, sparql: str) -> None:
    assert run_kg("build", cwd=project).returncode == 0  # else the query builds first
    done = run_kg("query", sparql, cwd=project)
    assert "Traceback" not in done.stderr
    if done.returncode == 0:  # Oxigraph (the built store's engine) may well answer it
        assert done.stdout.endswith("(1 row)\n") or done.stdout == "true\n", done.stdout
        return
    assert done.returncode == 1
    assert done.stderr.startswith("kg: error: the query is nested too deeply to parse: more "
                                  "than 100 levels of brackets (kg's limit) at line 1, column ")
    assert done.stderr.count("\n") == 1


@pytest.fixture(scope="module")
def chain(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 1,200-long chain of located-in statements (each with two citations)."""
    root = tmp_path_factory.mktemp("chain")
    n = 1200
    lines = ["sources:\n  - {id: s, title: S, reliability: C}\n",
             "  - {id: t, title: T, reliability: B}\nentities:\n"]
    lines += [f"  - {{id: p{i}, type: Place, label: P{i}}}\n" for i in range(n + 1)]
    lines.append("statements:\n")
    lines += [f"  - {{subject: p{i}, predicate: located-in, object: p{i + 1}, sources: "
              "[{source: s, locator: a}, {source: t, locator: b}]}\n" for i in range(n)]
    (root / "data").mkdir()
    (root / "data" / "chain.yaml").write_text("".join(lines), encoding="utf-8")
    return root


def test_long_chain_builds(chain: Path) -> None:
    done = run_kg("build", "--no-html", cwd=chain)
    assert done.returncode == 0, done.stderr
    assert "1200 statements" in done.stdout
    assert (chain / "out" / "graph.ttl").read_text(encoding="utf-8").count("kg:located-in") \
        >= 1200


def test_property_path_over_a_long_chain_finishes_or_fails_cleanly(chain: Path) -> None:
    done = run_kg("query", "SELECT (COUNT(?o) AS ?n) WHERE { kgr:p0 kg:located-in+ ?o }",
                  cwd=chain)
    assert "Traceback" not in done.stderr
    if done.returncode == 0:
        assert "1200" in done.stdout
    else:
        assert done.stderr.startswith("kg: error: ")


def test_streamed_build_killed_leaves_previous_out_and_its_spill_goes_next_time(
        project: Path, versions: tuple[Path, dict[str, bytes], dict[str, bytes]]) -> None:
    """A streamed build (kg.pipeline.stream) killed while its spill exists, at once and
    a little later: out/ still holds the previous build, whole; the spill it left beside
    out/ is removed by the next streamed build, which completes."""
    _, old, new = versions
    out = project / "out"
    left = 0
    for delay in (0.0, 0.2, 0.5, 1.0):
        proc = subprocess.Popen(kg_command("build", "--stream", "on", "--no-cache"),
                                cwd=project, env=kg_env(), stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while proc.poll() is None and time.monotonic() < deadline \
                and not list(project.glob(".kg-spill-*")):
            time.sleep(0.001)
        time.sleep(delay)
        proc.kill()
        proc.wait()
        assert_complete(out, old, new)
        left = max(left, len(list(project.glob(".kg-spill-*"))))
        if outputs(out) == new:  # the build ended first: the old outputs back
            shutil.rmtree(out)
            shutil.copytree(versions[0] / "out", out)
    assert left >= 1, "no kill landed while the spill existed"
    hour_ago = time.time() - 3600  # (a kill as the spill was made leaves it unclaimed:
    for folder in project.glob(".kg-spill-*"):  # removed once a minute old)
        os.utime(folder, (hour_ago, hour_ago))
    done = run_kg("build", "--stream", "on", "--no-cache", cwd=project)
    assert done.returncode == 0, done.stderr
    assert outputs(out) == new
    assert not list(project.glob(".kg-spill-*"))
