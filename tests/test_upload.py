"""kg.sparql.upload: whole lines in bounded chunks, blank-node lines together and last."""

from __future__ import annotations

from pathlib import Path
from typing import BinaryIO

from kg.sparql.upload import upload


def test_chunks_are_bounded_whole_lines_and_blank_nodes_go_last(tmp_path: Path) -> None:
    lines = [f"<urn:s{i}> <urn:p> \"value {i} with _: inside\" .\n" if i % 7 == 0 else
             f"_:b{i % 5} <urn:p> <urn:o{i}> .\n" if i % 11 == 0 else
             f"<urn:s{i}> <urn:p> _:b{i % 5} .\n" if i % 13 == 0 else
             f"<urn:s{i}> <urn:p> <urn:o{i}> .\n" for i in range(2000)]
    path = tmp_path / "g.nt"
    path.write_text("".join(lines), encoding="utf-8")
    sent: list[bytes] = []

    def send(body: BinaryIO | bytes, size: int) -> None:
        data = body if isinstance(body, bytes) else body.read()
        assert len(data) == size
        sent.append(data)

    assert upload(path, send, chunk_bytes=4096) == 2000
    longest = max(len(line.encode()) for line in lines)
    assert all(len(body) <= 4096 + longest for body in sent[:-1])
    assert all(body.endswith(b"\n") for body in sent)
    blank = [line for line in lines if " _:" in line or line.startswith("_:")]
    assert sent[-1].decode().splitlines(keepends=True) == blank  # one request, in order
    assert not any(b"_:b" in body for body in sent[:-1])
    assert sorted(b"".join(sent).decode().splitlines(keepends=True)) == sorted(lines)
