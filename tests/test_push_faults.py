"""kg push against a store that refuses: one line naming the endpoint and the status
(401/403 with where credentials come from, 5xx with an HTML page, a timeout), and the
credentials read from the environment or netrc, sent, and never printed. The store here
is a real HTTP server on 127.0.0.1 that answers with those faults."""

from __future__ import annotations

import base64
import contextlib
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import ClassVar

import pytest

from tests.conftest import DATA, run_kg
from tests.stores import http_server

SECRET = "s3cret-Pa55"
GOOD = "Basic " + base64.b64encode(f"analyst:{SECRET}".encode()).decode()
HTML_503 = ("<html>\n<head><title>503 Service Temporarily Unavailable</title></head>\n"
            "<body>\n<h1>Service Temporarily Unavailable</h1>\n<p>The store is "
            "restarting.</p>\n</body>\n</html>\n")


class _Refusing(BaseHTTPRequestHandler):
    """/401, /403, /503, /slow, and /auth (200 or 201 with the right Basic credentials)."""

    seen: ClassVar[list[tuple[str, str, str | None]]] = []  # (method, path, Authorization)

    def log_message(self, format: str, *args: object) -> None:
        pass

    def _answer(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.seen.append((self.command, self.path, self.headers.get("Authorization")))
        fault = self.path.strip("/").split("/")[0]
        if fault == "slow":
            time.sleep(3)
        if fault == "auth":
            ok = self.headers.get("Authorization") == GOOD
            status, text = ((201 if self.command == "POST" and "graph=" in self.path else 200,
                             "") if ok else (401, "Unauthorized: log in"))
        else:
            status, text = {"401": (401, "Unauthorized: log in"),
                            "403": (403, "Forbidden: SPARQL_UPDATE not granted"),
                            "503": (503, HTML_503)}.get(fault, (200, ""))
        data = text.encode()
        self.send_response(status)
        if status == 401:
            self.send_header("WWW-Authenticate", 'Basic realm="store"')
        self.send_header("Content-Type", "text/html" if status == 503 else "text/plain")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self.wfile.write(data)

    do_PUT = do_POST = do_DELETE = do_GET = _answer


@pytest.fixture(scope="module")
def refusing() -> Iterator[str]:
    with http_server(_Refusing) as url:
        yield url


@pytest.fixture(autouse=True)
def no_credentials(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("KG_STORE_USER", "KG_STORE_PASSWORD"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NETRC", str(tmp_path / "no-netrc"))


def _push(base: str, fault: str, cwd: Path, *extra: str) -> tuple[int, str, str]:
    done = run_kg("push", "--from-data", "--data", str(DATA), "--endpoint",
                  f"{base}/{fault}/store", *extra, cwd=cwd)
    return done.returncode, done.stdout, done.stderr


STAGING = r"graph=https%3A%2F%2Fw3id.org%2Fkg%2Fgraph-staging-[0-9a-f]{32}-0"


@pytest.mark.parametrize(("fault", "status"), [
    ("401", "401 Unauthorized (credentials: KG_STORE_USER and KG_STORE_PASSWORD, or "
     "~/.netrc): Unauthorized: log in"),
    ("403", "403 Forbidden (credentials: KG_STORE_USER and KG_STORE_PASSWORD, or ~/.netrc): "
     "Forbidden: SPARQL_UPDATE not granted"),
    ("503", "503 Service Unavailable: <html> <head><title>503 Service Temporarily "
     "Unavailable</title></head> <body> <h1>Service Temporarily Unavailable</h1> <p>The "
     "store is restarting.</p> </body> </html>"),
])
def test_refusal_is_one_line_naming_endpoint_and_status(refusing: str, tmp_path: Path,
                                                        fault: str, status: str) -> None:
    import re

    code, out, err = _push(refusing, fault, tmp_path)
    assert code == 1 and out == ""
    assert err.count("\n") == 1, err  # one line, no traceback
    pattern = (rf"kg: error: POST {re.escape(refusing)}/{fault}/store\?{STAGING}&no_transaction: "
               rf"the store answered {re.escape(status)}\n")
    assert re.fullmatch(pattern, err), err
    assert not list(tmp_path.iterdir())  # nothing written locally


def test_timeout_is_one_line(refusing: str, tmp_path: Path) -> None:
    code, _, err = _push(refusing, "slow", tmp_path, "--timeout", "0.5")
    assert code == 1
    assert err.count("\n") == 1
    assert err.startswith(f"kg: error: POST {refusing}/slow/store?graph=")
    assert err.endswith(": no answer within 0.5 s\n")


def test_credentials_from_environment(refusing: str, tmp_path: Path,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    _Refusing.seen.clear()
    monkeypatch.setenv("KG_STORE_USER", "analyst")
    monkeypatch.setenv("KG_STORE_PASSWORD", SECRET)
    code, out, err = _push(refusing, "auth", tmp_path, "--update", f"{refusing}/auth/update")
    assert code == 0, err
    assert out.startswith(f"pushed 3185 triples into <https://w3id.org/kg/graph> at "
                          f"{refusing}/auth/store\n")
    assert SECRET not in out + err
    methods = [(m, p.split("?")[0], a) for m, p, a in _Refusing.seen]
    assert methods == [("POST", "/auth/store", GOOD), ("POST", "/auth/update", GOOD)]
    monkeypatch.setenv("KG_STORE_PASSWORD", "wrong")
    code, out, err = _push(refusing, "auth", tmp_path)
    assert code == 1 and "answered 401 Unauthorized" in err and SECRET not in err


def test_credentials_from_netrc(refusing: str, tmp_path: Path,
                                monkeypatch: pytest.MonkeyPatch) -> None:
    _Refusing.seen.clear()
    netrc = tmp_path / "netrc"
    netrc.write_text(f"machine 127.0.0.1 login analyst password {SECRET}\n", encoding="utf-8")
    netrc.chmod(0o600)
    monkeypatch.setenv("NETRC", str(netrc))
    code, out, err = _push(refusing, "auth", tmp_path, "--update", f"{refusing}/auth/update")
    assert code == 0, err
    assert SECRET not in out + err
    assert {a for _, _, a in _Refusing.seen} == {GOOD}
