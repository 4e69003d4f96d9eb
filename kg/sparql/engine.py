"""SPARQL evaluation engines (rdflib, Oxigraph in-process) under a time and row limit.

Why a forked worker. rdflib evaluates a query in pure Python and offers no way to stop
it: a thread cannot be killed, and SIGALRM only reaches the main thread (the endpoint
answers queries in worker threads). pyoxigraph has no cancellation either. So every
limited query runs in a child process made with ``fork()``: the child inherits the
graph (or the Oxigraph store) copy-on-write, so nothing is reloaded or pickled on the
way in, evaluates the query, and sends the plain answer back over a pipe. The parent
waits on the pipe until the deadline and then kills the child with SIGKILL, which
always works and frees everything the query held. The cost is one fork per query (a
few milliseconds, measured in the README); a query that cannot finish costs nothing
after its deadline.

Forking a process that runs threads (the endpoint) is safe here because the child only
touches the graph, the pipe and modules imported before the fork; should it ever block
on a lock held by another thread, the deadline still kills it and the caller gets a
QueryTimeout, never a hang. The row limit is enforced in the child while it iterates
the answer: exceeding it is an error (QueryTooLarge), never a truncated result.

With ``timeout=None`` an rdflib query runs in the calling process without any limit; an
Oxigraph query still runs in a child, without a deadline. Every child denies itself the
network before it evaluates anything (kg.sparql.netguard): Oxigraph would call a ``SERVICE``
that a disagreement between kg's vetting and its own tokenizer let through, and the
kernel's filter holds whatever the text says.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from kg.core.errors import QueryError, QueryTimeout, QueryTooLarge
from kg.core.prefixes import PREFIXES
from kg.sparql.names import ENGINES
from kg.sparql.vetting import normalize

if TYPE_CHECKING:  # pragma: no cover  (rdflib is imported where it is used: see below)
    from multiprocessing.connection import Connection

    import pyoxigraph
    from rdflib import Graph
    from rdflib.plugins.sparql.sparql import Query
    from rdflib.term import Node


Row = tuple["Node | None", ...]
Triple = tuple["Node", "Node", "Node"]


@dataclass(frozen=True, slots=True)
class Answer:
    """A query's plain answer, as sent back by the worker."""

    kind: str  # SELECT, ASK, CONSTRUCT or DESCRIBE
    variables: tuple[str, ...] = ()
    rows: tuple[Row, ...] = ()
    boolean: bool | None = None
    triples: tuple[Triple, ...] = ()


class Engine(Protocol):
    """Something that evaluates a vetted query in the calling process."""

    @property
    def name(self) -> str: ...

    def evaluate(self, sparql: str, prepared: Query | None, *,
                 max_rows: int | None) -> Answer: ...


def _limited(items: Iterable[Any], max_rows: int | None) -> list[Any]:
    out: list[Any] = []
    for item in items:
        out.append(item)
        if max_rows is not None and len(out) > max_rows:
            raise QueryTooLarge(f"the result has more than {max_rows} rows (the row limit); "
                                "add a LIMIT or narrow the query")
    return out


def query_kind(prepared: Query) -> str:
    """SELECT, ASK, CONSTRUCT or DESCRIBE."""
    return str(prepared.algebra.name).replace("Query", "").upper()


@dataclass(frozen=True, slots=True)
class RdflibEngine:
    """Evaluation by rdflib over an in-memory Graph (the default)."""

    graph: Graph
    name: str = "rdflib"

    def evaluate(self, sparql: str, prepared: Query | None, *,
                 max_rows: int | None) -> Answer:
        if prepared is None:  # only Oxigraph evaluates a query rdflib has not parsed
            raise QueryError("the rdflib engine needs the query parsed and vetted by kg first")
        result = self.graph.query(prepared)
        kind = query_kind(prepared)
        if kind == "SELECT":
            names = tuple(str(v) for v in (result.vars or ()))
            rows = _limited((tuple(row) for row in result), max_rows)  # type: ignore[arg-type]
            return Answer(kind, names, tuple(rows))
        if kind == "ASK":
            return Answer(kind, boolean=bool(result.askAnswer))
        return Answer(kind, triples=tuple(_limited(iter(result), max_rows)))


@dataclass(frozen=True, slots=True)
class OxigraphEngine:
    """Evaluation by pyoxigraph over an in-memory Store loaded from the graph's N-Triples."""

    store: pyoxigraph.Store
    name: str = "oxigraph"

    @classmethod
    def from_graph(cls, graph: Graph) -> OxigraphEngine:
        import pyoxigraph

        store = pyoxigraph.Store()
        data = graph.serialize(format="nt", encoding="utf-8")
        store.bulk_load(input=data, format=pyoxigraph.RdfFormat.N_TRIPLES)
        return cls(store)

    @classmethod
    def from_path(cls, path: Path) -> OxigraphEngine:
        """A store over ``path``: a graph file (``graph.nt`` or another RDF format, by its
        extension) bulk-loaded in memory by Oxigraph without rdflib, or the directory of
        a persistent Oxigraph store, opened read-only (nothing is loaded)."""
        import pyoxigraph

        try:
            if path.is_dir():
                return cls(pyoxigraph.Store.read_only(str(path)))
            store = pyoxigraph.Store()
            fmt = pyoxigraph.RdfFormat.from_extension(path.suffix.lstrip(".") or "nt")
            if fmt is None:
                raise QueryError(f"{path}: unknown RDF file extension {path.suffix!r}; "
                                 "use .nt, .ttl, .nq, .trig, .jsonld or .rdf")
            store.bulk_load(path=str(path), format=fmt)
        except (OSError, SyntaxError, ValueError) as exc:
            raise QueryError(f"{path}: cannot open it as a graph: {exc}") from None
        return cls(store)

    def evaluate(self, sparql: str, prepared: Query | None, *,
                 max_rows: int | None, raw: bool = False) -> Answer:
        """The answer, its terms as rdflib terms; with ``raw``, as pyoxigraph's own terms
        (kg.sparql.results prints either; kg.sparql.oneshot keeps rdflib off that path)."""
        import pyoxigraph

        # The text was vetted (no SERVICE, FROM, update: see kg.sparql.vetting.vet);
        # on top of that the dataset is pinned to the store's default graph.
        sparql = normalize(sparql)  # as kg.sparql.vetting vetted it
        try:
            result = self.store.query(sparql, prefixes=dict(PREFIXES),
                                      default_graph=pyoxigraph.DefaultGraph(), named_graphs=[])
        except SyntaxError as exc:
            if prepared is None:  # rdflib's parser says where the error is
                from kg.sparql.vetting import prepare

                prepare(sparql)
            raise QueryError(f"Oxigraph cannot parse the query: {exc}") from None
        if isinstance(result, pyoxigraph.QueryBoolean):
            return Answer("ASK", boolean=bool(result))
        term: Callable[[Any], Any] = _same if raw else _Terms()
        if isinstance(result, pyoxigraph.QuerySolutions):
            names = tuple(v.value for v in result.variables)
            rows = _limited((tuple(map(term, s)) for s in result), max_rows)
            return Answer("SELECT", names, tuple(rows))
        assert prepared is not None  # kg.sparql.vetting vets CONSTRUCT and DESCRIBE fully
        triples = _limited(((term(t.subject), term(t.predicate), term(t.object))
                            for t in result), max_rows)
        return Answer(query_kind(prepared), triples=tuple(triples))


class _Terms(dict[Any, "Node | None"]):
    """Converts pyoxigraph terms once each: an answer repeats the same terms in many rows,
    and sharing one rdflib object per term also lets the pipe's pickle send each once."""

    def __call__(self, term: Any) -> Node | None:
        try:
            return self[term]
        except KeyError:
            node = self[term] = _term(term)
            return node


def _same(term: Any) -> Any:
    return term


_STRING = "http://www.w3.org/2001/XMLSchema#string"
_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"


def _term(term: Any) -> Node | None:
    """A pyoxigraph term as the rdflib term rdflib's own engine would give."""
    import pyoxigraph
    from rdflib import BNode, Literal, URIRef

    if term is None:
        return None
    if isinstance(term, pyoxigraph.NamedNode):
        return URIRef(term.value)
    if isinstance(term, pyoxigraph.BlankNode):
        return BNode(term.value)
    if isinstance(term, pyoxigraph.Literal):
        datatype = term.datatype.value
        if term.language:
            return Literal(term.value, lang=term.language)
        if datatype in (_STRING, _LANG_STRING):
            return Literal(term.value)
        return Literal(term.value, datatype=URIRef(datatype))
    raise QueryError(f"unsupported term in a result: {term!r}")


def open_engine(graph: Graph, engine: str = "rdflib") -> Engine:
    """An engine over ``graph``: ``"rdflib"`` (default) or ``"oxigraph"`` (pyoxigraph)."""
    if engine == "rdflib":
        return RdflibEngine(graph)
    if engine == "oxigraph":
        return OxigraphEngine.from_graph(graph)
    raise QueryError(f"unknown engine {engine!r}; allowed: " + ", ".join(ENGINES))


def outcome(run: Callable[[], Answer]) -> tuple[str, Any]:
    """``run()``'s answer as the status and payload a worker sends back: ``("ok", answer)``,
    ``("rows", message)`` past the row limit, ``("error", message)`` for any failure."""
    try:
        return ("ok", run())
    except QueryTooLarge as exc:
        return ("rows", str(exc))
    except QueryError as exc:
        return ("error", str(exc))
    except Exception as exc:  # rdflib and pyoxigraph raise many kinds during evaluation
        return ("error", f"query failed: {type(exc).__name__}: {exc}")


def answer_of(status: str, payload: Any) -> Answer:
    """The answer a worker sent back, or the error it stands for."""
    if status == "ok":
        assert isinstance(payload, Answer)
        return payload
    if status == "rows":
        raise QueryTooLarge(payload)
    raise QueryError(payload)


def timeout_error(timeout: float) -> QueryTimeout:
    """The error of a query stopped at its time limit."""
    return QueryTimeout(f"the query ran longer than the {timeout:g} s time limit and was "
                        "stopped; narrow it, add a LIMIT, or raise --timeout")


def guarded(engine: Engine, sparql: str, prepared: Query | None,
            max_rows: int | None) -> Answer:
    """Evaluate in this process after denying it the network (call it in a child only)."""
    from kg.sparql.netguard import deny_network

    deny_network()
    return engine.evaluate(sparql, prepared, max_rows=max_rows)


def _worker(conn: Connection, engine: Engine, sparql: str, prepared: Query | None,
            max_rows: int | None) -> None:
    try:
        conn.send(outcome(lambda: guarded(engine, sparql, prepared, max_rows)))
    finally:
        conn.close()


def evaluate(engine: Engine, sparql: str, prepared: Query | None, *, timeout: float | None = 10.0,
             max_rows: int | None = None) -> Answer:
    """Evaluate a vetted query; stop it at ``timeout`` seconds (QueryTimeout)."""
    if timeout is None and engine.name != "oxigraph":
        try:
            return engine.evaluate(sparql, prepared, max_rows=max_rows)
        except QueryError:
            raise
        except Exception as exc:
            raise QueryError(f"query failed: {type(exc).__name__}: {exc}") from exc
    if timeout is not None and timeout <= 0:
        raise QueryError(f"the time limit must be positive, got {timeout}")
    import multiprocessing  # (here: kg.sparql.oneshot evaluates without a child)

    ctx = multiprocessing.get_context("fork")
    reader, writer = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_worker, args=(writer, engine, sparql, prepared, max_rows),
                       daemon=True)
    proc.start()
    writer.close()
    try:
        return _receive(reader, timeout, proc.pid)
    except QueryError as exc:
        if "died without an answer" not in str(exc):
            raise
        proc.join()
        raise QueryError(f"{exc} ({_ended(proc.exitcode)})") from None
    finally:
        if proc.is_alive():
            proc.kill()
        proc.join()
        reader.close()


def _ended(code: int | None) -> str:
    """How a worker ended, for the error that says it died."""
    if code is not None and code < 0:
        import signal

        name = signal.Signals(-code).name if -code in signal.valid_signals() else str(-code)
        crash = "; a query this long or nested this deep can overflow the engine's stack" \
            if -code == signal.SIGSEGV else ""
        return f"signal {-code}, {name}{crash}"
    return f"exit status {code}"


def _receive(reader: Connection, timeout: float | None, pid: int | None) -> Answer:
    if not reader.poll(timeout):  # None waits as long as it takes
        assert timeout is not None
        raise timeout_error(timeout)
    try:
        status, payload = reader.recv()
    except EOFError:
        raise QueryError(f"the query worker (pid {pid}) died without an answer") from None
    return answer_of(status, payload)
