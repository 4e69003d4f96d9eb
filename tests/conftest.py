"""Shared fixtures. Tests never reach the network: see the socket guard below."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"
FIXTURES = Path(__file__).resolve().parent / "fixtures"

_LOOPBACK = ("127.", "::1", "localhost")

# Raptor's rapper (Debian raptor2-utils) cross-checks the exports; .ci/run installs it.
needs_rapper = pytest.mark.skipif(
    shutil.which("rapper") is None,
    reason="Raptor's rapper is not installed (apt-get install raptor2-utils; .ci/run does)")


# Build, check and query never touch the network, not even loopback: a connection made
# while one of these modules is on the call stack fails the test (serve/push are exempt).
_OFFLINE_MODULES = frozenset(
    str(ROOT / "kg" / f"{name.replace('.', '/')}.py")
    for name in ("pipeline.build", "curate.check", "curate.load", "curate.yamlread",
                 "rdf.triples", "rdf.validate", "rdf.export", "page.html", "sparql.query",
                 "analysis.stats", "core.vocab", "pipeline.built", "pipeline.artifact",
                 "pipeline.manifest", "pipeline.importcache")
)


def offline_caller() -> str | None:
    """The kg module on the current call stack that must stay offline, if any."""
    frame = sys._getframe(1)
    while frame is not None:
        if frame.f_code.co_filename in _OFFLINE_MODULES:
            return f"{Path(frame.f_code.co_filename).name}:{frame.f_code.co_name}"
        frame = frame.f_back  # type: ignore[assignment]
    return None


def _guarded_connect(original: Callable[..., object]) -> Callable[..., object]:
    def connect(self: socket.socket, address: object) -> object:
        caller = offline_caller()
        if caller is not None:
            raise RuntimeError(f"network access during build/check/query ({caller}): "
                               f"{address!r}")
        host = address[0] if isinstance(address, tuple) else str(address)
        if self.family in (socket.AF_INET, socket.AF_INET6) and not str(host).startswith(
            _LOOPBACK
        ):
            raise RuntimeError(f"test tried to reach the network: {address!r}")
        return original(self, address)

    return connect


@pytest.fixture(autouse=True)
def own_cache(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    """The CLI's cache (kg.pipeline.cache.default_cache_dir) lives in the test run's folder, not
    in the home folder."""
    monkeypatch.setenv("KG_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "kg-cache"))


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any socket connection outside loopback fails the test."""
    monkeypatch.setattr(socket.socket, "connect", _guarded_connect(socket.socket.connect))
    monkeypatch.setattr(socket.socket, "connect_ex", _guarded_connect(socket.socket.connect_ex))
    monkeypatch.setattr(socket, "getaddrinfo", _guarded_lookup(socket.getaddrinfo))


def _guarded_lookup(original: Callable[..., object]) -> Callable[..., object]:
    """Name lookups are network access too: only loopback names outside kg's offline code."""

    def getaddrinfo(host: object, *args: object, **kwargs: object) -> object:
        caller = offline_caller()
        if caller is not None:
            raise RuntimeError(f"network access during build/check/query ({caller}): {host!r}")
        if host is not None and not str(host).startswith(_LOOPBACK):
            raise RuntimeError(f"test tried to resolve a network name: {host!r}")
        return original(host, *args, **kwargs)

    return getaddrinfo


@pytest.fixture
def data_copy(tmp_path: Path) -> Path:
    """A writable copy of the shipped data/ in tmp_path/data."""
    target = tmp_path / "data"
    shutil.copytree(DATA, target)
    return target


@pytest.fixture
def write_data(tmp_path: Path) -> Callable[..., Path]:
    """Write YAML files (name -> text, dedented) under tmp_path/data; return that folder."""

    def write(**files: str) -> Path:
        root = tmp_path / "data"
        for name, text in files.items():
            path = root / name.replace("__", "/")
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        return root

    return write


def run_kg(*args: str, cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """Run the real CLI (python -m kg) of this checkout as a user would."""
    env = dict(os.environ, PYTHONPATH=str(ROOT), PYTHONIOENCODING="utf-8")
    return subprocess.run([sys.executable, "-m", "kg", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=timeout, check=False)


@pytest.fixture
def kg_cli() -> Iterator[Callable[..., subprocess.CompletedProcess[str]]]:
    yield run_kg


def tree_snapshot(root: Path) -> dict[str, bytes]:
    """Every file under root with its bytes, to assert that a failed run changed nothing."""
    return {p.relative_to(root).as_posix(): p.read_bytes()
            for p in sorted(root.rglob("*")) if p.is_file()}
