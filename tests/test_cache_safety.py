"""The build cache against a hostile file system (issue 19): entries are pickles, so a
replaced or planted entry must never run, a cache folder others can write is not used,
and a full disk leaves no temporary files. Through the real CLI."""

from __future__ import annotations

import hashlib
import hmac
import os
import pickle
import resource
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from kg.pipeline.cache import KEY_FILE
from tests.conftest import DATA, ROOT


class _Evil:
    """Unpickling this creates the file named (what a planted entry would do)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __reduce__(self) -> tuple[object, tuple[str]]:
        return os.system, (f"touch {self.path}",)


def _kg(cwd: Path, cache: Path, *args: str, limit: int | None = None
        ) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT), PYTHONIOENCODING="utf-8",
               KG_CACHE_DIR=str(cache))

    def limited() -> None:
        if limit is not None:
            resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return subprocess.run([sys.executable, "-m", "kg", *args], cwd=cwd, env=env, text=True,
                          capture_output=True, timeout=300, check=False, preexec_fn=limited)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    shutil.copytree(DATA, tmp_path / "data")
    return tmp_path


def _entries(cache: Path) -> list[Path]:
    return sorted(p for p in cache.rglob("*") if p.is_file() and p.parent != cache)


def test_key_file_and_folder_are_private(project: Path) -> None:
    cache = project / "cache"
    done = _kg(project, cache, "build", "--no-html")
    assert done.returncode == 0, done.stderr
    assert stat.S_IMODE(cache.stat().st_mode) == 0o700
    key = cache / KEY_FILE
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert len(key.read_bytes()) == 32
    assert _entries(cache)


def test_replaced_entries_never_run(project: Path) -> None:
    cache = project / "cache"
    assert _kg(project, cache, "build", "--no-html").returncode == 0
    entries = _entries(cache)
    pwned = project / "PWNED"
    for entry in entries:
        stolen_mac = entry.read_bytes()[:32]  # a real MAC, of other content
        evil = pickle.dumps((entry.name, _Evil(pwned)))
        entry.write_bytes(stolen_mac + evil if entry.name.startswith(("0", "1", "2", "3"))
                          else evil)
    done = _kg(project, cache, "build", "--no-html")
    assert done.returncode == 0, done.stderr
    assert not pwned.exists()
    # The refused entries it needed were made again, with valid MACs.
    assert any(b"system" not in e.read_bytes() for e in _entries(cache))
    assert _kg(project, cache, "build", "--no-html").returncode == 0
    assert not pwned.exists()


def test_cache_folder_writable_by_others_is_not_used(project: Path) -> None:
    cache = project / "cache"
    assert _kg(project, cache, "build", "--no-html").returncode == 0
    # Someone who can write the folder can replace the key too: plant both.
    pwned = project / "PWNED"
    (cache / KEY_FILE).unlink()
    (cache / KEY_FILE).write_bytes(b"k" * 32)
    os.chmod(cache / KEY_FILE, 0o600)
    for entry in _entries(cache):
        payload = pickle.dumps((entry.name, _Evil(pwned)))
        mac = hmac.new(b"k" * 32, entry.name.encode() + b"\0" + payload,
                       hashlib.sha256).digest()
        entry.write_bytes(mac + payload)
    os.chmod(cache, 0o777)
    before = {p: p.read_bytes() for p in _entries(cache)}
    done = _kg(project, cache, "build", "--no-html")
    assert done.returncode == 0, done.stderr
    assert done.stderr == (f"kg: warning: cache folder {cache} is writable by others; not "
                           "used (chmod go-w it, or use --no-cache)\n")
    assert not pwned.exists()
    assert {p: p.read_bytes() for p in _entries(cache)} == before  # nothing written there


def test_full_disk_leaves_no_temporary_files(project: Path) -> None:
    cache = project / "cache"
    # Too small for most entries (and for the outputs: the build fails, cleanly).
    done = _kg(project, cache, "build", "--no-html", limit=2048)
    assert done.returncode == 1
    assert "File too large" in done.stderr
    assert "Traceback" not in done.stderr
    assert (cache / KEY_FILE).is_file()
    assert sorted(p.name for p in cache.rglob(".tmp-*")) == []


def test_an_entry_is_its_mac_then_its_pickle_and_one_changed_byte_refuses_it(
        tmp_path: Path) -> None:
    """The MAC covers the key and every byte of the pickle (fed to HMAC in turn, not
    copied): the format caches already hold, and a flipped byte anywhere is refused."""
    from kg.core.entries import read_entry, write_entry

    cache = tmp_path / "cache"
    cache.mkdir(mode=0o700)
    value = [f"subject-{i}" for i in range(50_000)]
    write_entry(cache, "build-order", "ab" + "0" * 62, value)
    entry = cache / "build-order" / "ab" / ("ab" + "0" * 62)
    data = entry.read_bytes()
    secret = (cache / KEY_FILE).read_bytes()
    assert data[:32] == hmac.new(secret, entry.name.encode() + b"\0" + data[32:],
                                 hashlib.sha256).digest()
    assert pickle.loads(data[32:]) == (entry.name, value)
    assert read_entry(cache, "build-order", entry.name) == value
    for at in (5, 32, len(data) // 2, len(data) - 1):
        entry.write_bytes(data[:at] + bytes([data[at] ^ 1]) + data[at + 1:])
        assert read_entry(cache, "build-order", entry.name) is None, at
