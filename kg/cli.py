"""The command line: parse arguments, make one library call, print. No logic lives here."""

from __future__ import annotations

import argparse
import os
import stat
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kg.cliconv import (
    fit_width,
    infer_format,
    non_negative_float,
    output_option,
    port_number,
    positive_float,
    positive_int,
)
from kg.core.errors import DataError, KGError
from kg.core.version import __version__
from kg.sparql.names import DEFAULT_GRAPH, ENGINES, MAX_ROWS, RESULT_FORMATS

if TYPE_CHECKING:
    from rdflib import Graph
    from rdflib.plugins.sparql.sparql import Query

    from kg.sparql.engine import OxigraphEngine
    from kg.sparql.results import QueryResult

# Each command imports what it needs when it runs: `kg query` over the build never loads
# the build, the importers or the page (docs/benchmarks.md, "kg query: the whole process").


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kg", description="Build, check and query a sourced "
                                     "knowledge graph of defence and security news.")
    parser.add_argument("--version", action="version", version=f"kg {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, help_text: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_text, description=help_text)
        p.add_argument("--data", default="data", type=Path,
                       help="folder of curated YAML files (default: data)")
        return p

    p = command("build", "check data/ and write graph.ttl, graph.nt, graph.jsonld, graph.html")
    output_option(p, default="out", help_text="output folder (default: out)")
    p.add_argument("--no-html", action="store_true", help="skip the HTML page")
    p.add_argument("--no-cache", action="store_true",
                   help="parse every file afresh (default: reuse the per-file cache in "
                   "$KG_CACHE_DIR or ~/.cache/kg; a file is re-read whenever its bytes change)")
    p.add_argument("--lock-wait", type=non_negative_float, default=30.0, metavar="SECONDS",
                   help="wait this long for another build of the same --out (default: 30)")
    p.add_argument("--config", type=Path, default=None,
                   help="project config listing imports (default: kg.toml beside --data)")
    p.add_argument("--focus", action="append", default=[], metavar="ENTITY",
                   help="also write focus-<id>.html, the page of ENTITY's neighbourhood "
                   "(id, label or alias; repeatable)")
    p.add_argument("--hops", type=positive_int, default=2, metavar="K",
                   help="neighbourhood size of --focus pages, in facts (default: 2)")
    p.add_argument("--sources", type=Path, default=None, metavar="DIR",
                   help="folder of the sources' archived copies: check locators against "
                   "them and show each citation's paragraph on the page")
    p.add_argument("--stream", choices=("auto", "on", "off"), default="auto",
                   help="build file by file and write range by range: the same outputs in "
                   "memory that follows the largest file, not the graph (default auto: "
                   "on when the data files hold 64 MiB or more and there are no imports, "
                   "--focus or --sources, unless the cache can splice an edit of less)")
    p = command("import", "import a dataset we did not write: `kg import sipri PATH`")
    p.add_argument("kind", choices=("sipri",), help="the dataset's format")
    p.add_argument("path", type=Path, help="the export to read")
    output_option(p, default="out", help_text="output folder (default: out)")
    p.add_argument("--config", type=Path, default=None,
                   help="project config whose [align] maps names by hand (default: kg.toml "
                   "beside --data, if any)")
    p = command("check", "check data/ (and kg.toml's imports) and print every problem; "
                "write nothing")
    p.add_argument("--config", type=Path, default=None,
                   help="project config listing imports (default: kg.toml beside --data)")
    p.add_argument("--errors-only", action="store_true", help="leave warnings out")
    _format_arg(p)
    p.add_argument("--sources", type=Path, default=None, metavar="DIR",
                   help="folder of the sources' archived copies (their `file`): check "
                   "each copy's SHA-256 and every locator against it")
    p.add_argument("--coverage", action="store_true",
                   help="with --sources: also print, per source, the paragraphs no "
                   "statement cites")
    p = command("new", "start curating an article: `kg new source FILE`")
    p.add_argument("kind", choices=("source",), help="what to start")
    p.add_argument("path", type=Path, help="the archived article (plain text, one "
                   "paragraph per line)")
    p = command("query", "run a SPARQL query (inline or a .rq file) over the graph")
    p.add_argument("sparql", help="the query text, the path of a .rq file, or - to read "
                   "it from standard input")
    p.add_argument("-f", "--format", choices=RESULT_FORMATS, default=None,
                   help="table (default), or the SPARQL results formats csv, tsv, json, xml "
                   "(default: from the suffix of -o)")
    output_option(p, default=None, help_text="write the results to this file (default: "
                  "standard output; - too)")
    p.add_argument("--raw-csv", action="store_true",
                   help="write CSV cells exactly; by default a cell starting with = + - @, "
                   "a tab or a carriage return gets a leading ' so that a spreadsheet shows "
                   "it as text instead of running it as a formula")
    _limits(p, MAX_ROWS)
    p.add_argument("--endpoint", metavar="URL",
                   help="query this remote SPARQL endpoint instead of the local graph")
    p.add_argument("--graph", metavar="IRI", action="append", default=None,
                   help=f"with --endpoint: the graph to query (default: {DEFAULT_GRAPH}; "
                   "'' for the store's default graph); repeat it to query the merge of "
                   "several, e.g. each import graph `kg push` names, as a build's union")
    p.add_argument("--graph-file", metavar="PATH", type=Path,
                   help="query this graph file (e.g. out/graph.nt, or .trig/.nq with named "
                   "graphs) or Oxigraph store directory instead of the build")
    _reads(p)
    p = command("serve", "serve the graph as a read-only SPARQL 1.1 endpoint (and graph.html)")
    p.add_argument("--out", default="out", type=Path,
                   help="folder whose graph.html is served at / (default: out)")
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default: 127.0.0.1)")
    p.add_argument("--port", type=port_number, default=8000,
                   help="port (default: 8000; 0 picks one)")
    p.add_argument("--workers", type=positive_int, default=2,
                   help="query worker processes shared fairly by the clients (default: 2; "
                   "each copies the store pages its queries touch)")
    _limits(p, 10_000)
    _reads(p)
    p = command("push", "replace named graphs in a SPARQL store with the built graph, each "
                "import in its own (Graph Store Protocol POSTs into staging graphs, then one "
                "atomic MOVE)")
    p.add_argument("--endpoint", metavar="URL", required=True,
                   help="the store's Graph Store Protocol URL, e.g. http://127.0.0.1:7878/store")
    p.add_argument("--update", metavar="URL",
                   help="the store's SPARQL Update URL (default: .../update next to --endpoint)")
    p.add_argument("--graph", metavar="IRI", default=DEFAULT_GRAPH,
                   help=f"the named graph to replace with the build's default graph (default: "
                   f"{DEFAULT_GRAPH}); each import graph keeps its name, or under another "
                   "IRI goes below it")
    p.add_argument("--timeout", type=positive_float, default=60.0,
                   help="seconds to wait for each request (default: 60; the final swap: "
                   "that per chunk staged)")
    p.add_argument("--chunk-mib", type=positive_int, default=8, metavar="MIB",
                   help="the largest request body, in MiB of N-Triples (default: 8)")
    _reads(p)
    p = command("stats", "print counts of entities by class and facts by predicate")
    _format_arg(p)
    _reads(p)
    p = sub.add_parser("bench", help="benchmark every stage against baselines (docs/benchmarks.md)",
                       description="generate data and time every stage against baselines")
    p.add_argument("--sizes", default="1k,10k",
                   help="comma-separated sizes among 1k,10k,100k,1m (default: 1k,10k)")
    p.add_argument("--repeats", type=positive_int, default=3,
                   help="runs per measurement (median)")
    p.add_argument("--work", type=Path, default=Path("bench-work"),
                   help="folder for generated data and outputs (default: bench-work)")
    p.add_argument("--stages", default=None,
                   help="comma-separated stages (default: all; '' for none: queries only)")
    p.add_argument("--engines", default="kg-query,pyoxigraph,rdflib",
                   help="query engines to compare ('' for none)")
    p.add_argument("--timeout", type=positive_float, default=1800,
                   help="seconds before one measurement is given up (reported as a timeout)")
    p.add_argument("--query-timeout", type=positive_float, default=600,
                   help="seconds before one query run is stopped (reported as '> T s')")
    p.add_argument("--rdflib-memory-gib", type=positive_float, default=None,
                   help="cap the rdflib query process's address space (reported if hit)")
    _network_parsers(command)
    return parser


def _limits(p: argparse.ArgumentParser, max_rows: int) -> None:
    p.add_argument("--timeout", type=positive_float, default=10.0,
                   help="stop a query after this many seconds (default: 10)")
    p.add_argument("--max-rows", type=positive_int, default=max_rows,
                   help=f"refuse answers with more rows (default: {max_rows})")
    p.add_argument("--engine", choices=ENGINES, default=None,
                   help="oxigraph (default: the built store) or rdflib (the union loaded in "
                   "memory; with --from-data, rdflib is the default)")


def _reads(p: argparse.ArgumentParser) -> None:
    """The options of a command that reads the built graph (kg.pipeline.built)."""
    p.add_argument("--built", default=Path("out"), type=Path, metavar="DIR",
                   help="the build to read (default: out); built first when missing or "
                   "older than its inputs (by content hash)")
    p.add_argument("--from-data", action="store_true",
                   help="read data/ in memory (rdflib) instead of the build: no imports")


def _serve(args: argparse.Namespace, graph: Graph | None) -> int:
    from kg.pipeline.built import open_built
    from kg.pipeline.cache import default_cache_dir
    from kg.sparql.builtserve import make_built_server
    from kg.sparql.serve import make_server

    try:
        if graph is None:
            built = open_built(args.built, args.data, cache_dir=default_cache_dir())
            server = make_built_server(built, host=args.host, port=args.port,
                                       timeout=args.timeout, max_rows=args.max_rows,
                                       html=args.out / "graph.html", log=True,
                                       workers=args.workers)
        else:
            server = make_server(graph, host=args.host, port=args.port,
                                 engine=args.engine or "rdflib", timeout=args.timeout,
                                 max_rows=args.max_rows, html=args.out / "graph.html",
                                 log=True, workers=args.workers)
    except OSError as exc:  # the port is taken, or the address is not this machine's
        raise KGError(f"cannot serve on {args.host}:{args.port}: "
                      f"{exc.strerror or exc}") from exc
    print(f"SPARQL endpoint {server.url} (page at /); Ctrl-C stops", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


def _network_parsers(command: Callable[[str, str], argparse.ArgumentParser]) -> None:
    p = command("path", "shortest paths between two entities, each fact with sources and dates")
    p.add_argument("a", help="id, label or alias (any case)")
    p.add_argument("b", help="id, label or alias (any case)")
    p.add_argument("--directed", action="store_true", help="follow facts subject -> object only")
    p.add_argument("--max-length", type=positive_int, help="longest path to report, in facts")
    p.add_argument("--limit", type=positive_int, default=10,
                   help="most paths to print (default 10)")
    _filters(p)
    _format_arg(p)
    _reads(p)
    p = command("neighbors", "entities within K facts of an entity, with the facts joining them")
    p.add_argument("name", help="id, label or alias (any case)")
    p.add_argument("--hops", type=positive_int, default=1, help="how far to look (default 1)")
    _filters(p)
    _format_arg(p)
    _reads(p)
    p = command("central", "degree, betweenness and PageRank of the entities, best first")
    p.add_argument("--by-class", help="only entities of this class (or its subclasses)")
    p.add_argument("--top", type=positive_int, default=10, help="how many to print (default 10)")
    p.add_argument("--sort", choices=("degree", "betweenness", "pagerank"), default="degree",
                   help="metric to rank by (default degree)")
    _format_arg(p)
    _reads(p)
    p = command("communities", "groups of closely linked entities (Louvain, fixed seed)")
    p.add_argument("--min-size", type=positive_int, default=2,
                   help="smallest group listed (default 2)")
    _format_arg(p)
    _reads(p)
    p = command("export", "write the entity network for Gephi or Cytoscape")
    p.add_argument("-f", "--format", choices=("graphml", "gexf", "csv"), default=None,
                   help="graphml, gexf or csv (default: from the suffix of -o; a folder: csv)")
    output_option(p, default=None, required=True, help_text="file (graphml, gexf; - for "
                  "standard output) or folder for nodes.csv and edges.csv (csv)")
    _reads(p)
    p = command("diff", "statements added, removed and changed between two builds or revisions")
    p.add_argument("old", help="a build folder (with manifest.json), a graph file (.ttl, .nt, "
                   ".jsonld), a data folder or a git revision")
    p.add_argument("new", help="as OLD")
    _format_arg(p)


def _format_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("-f", "--format", choices=("text", "json"), default="text",
                   help="text (default) or json")


def _filters(p: argparse.ArgumentParser) -> None:
    p.add_argument("--exclude-predicate", action="append", default=[], metavar="P",
                   help="leave out facts with this predicate (repeatable)")
    p.add_argument("--exclude-class", action="append", default=[], metavar="C",
                   help="leave out entities of this class and its subclasses (repeatable)")
    p.add_argument("--as-of", metavar="DATE", help="only facts dated, or reported, on or "
                   "before DATE (YYYY, YYYY-MM, YYYY-MM-DD: its first day)")


def _query_text(arg: str) -> str:
    if arg == "-":
        return sys.stdin.read()
    path = Path(arg)
    if arg.endswith(".rq") or (len(arg) < 256 and "\n" not in arg and path.is_file()):
        return _read_regular(arg)
    return arg


def _read_regular(arg: str) -> str:
    """A query file's text; a FIFO or device is refused, not waited on (opened without
    blocking, checked on the open descriptor)."""
    try:
        fd = os.open(arg, os.O_RDONLY | os.O_NONBLOCK)
    except OSError as exc:
        raise KGError(f"{arg}: cannot read query file: {exc.strerror}") from exc
    with os.fdopen(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise KGError(f"{arg}: not a regular file (a FIFO, device or folder)")
        try:
            return handle.read().decode("utf-8")
        except OSError as exc:
            raise KGError(f"{arg}: cannot read query file: {exc.strerror}") from exc
        except UnicodeDecodeError as exc:
            raise KGError(f"{arg}: not UTF-8 (byte {exc.start})") from exc


def _cache_dir() -> Path:
    from kg.pipeline.cache import cache_problem, default_cache_dir

    cache_dir = default_cache_dir()
    if problem := cache_problem(cache_dir):
        print(f"kg: warning: {problem}", file=sys.stderr)
    return cache_dir


def _formatted(answer: QueryResult, args: argparse.Namespace) -> str:
    from kg.sparql.results import format_result

    return format_result(answer, _result_format(args), protect_formulas=not args.raw_csv)


def _print_issues(issues: Sequence[object]) -> None:
    for issue in issues:
        print(issue, file=sys.stderr)


def _run(args: argparse.Namespace) -> int:
    if args.command in ("check", "new", "build", "bench", "import"):
        return _write_command(args)
    if args.command == "query" and (args.endpoint or args.graph_file):
        return _query_elsewhere(args)
    if args.command in _NETWORK:
        return _network(args)
    if args.command == "push":
        return _push(args)
    if args.command in ("serve", "stats", "query") and not args.from_data:
        return _read_built(args)
    return _from_data(args)


def _write_command(args: argparse.Namespace) -> int:
    """check, new, build, bench and import."""
    from kg.pipeline.build import check, load_graph

    if args.command == "check":
        from kg.cliconv import issues_json
        from kg.curate.archive import coverage, format_coverage

        issues = check(args.data, config=args.config, sources_dir=args.sources)
        errors = sum(1 for i in issues if i.is_error)
        shown = [i for i in issues if i.is_error] if args.errors_only else issues
        if args.format == "json":
            print(issues_json(shown), end="")
            return 1 if errors else 0
        _print_issues(shown)
        print(f"{errors} error(s), {len(issues) - errors} warning(s)", file=sys.stderr)
        if args.coverage:
            if args.sources is None:
                raise KGError("--coverage needs --sources DIR (the archived copies)")
            print(format_coverage(coverage(load_graph(args.data, shacl=False).data,
                                           args.sources)), end="")
        return 1 if errors else 0
    if args.command == "new":
        from kg.curate.newsource import new_source

        added = new_source(args.path, args.data)
        print(f"added source {added.source_id} to {added.sources_file}")
        print(f"wrote {added.statements_file} ({added.paragraphs} paragraphs mapped)")
        return 0
    if args.command == "build":
        return _build(args)
    if args.command == "bench":
        from kg.bench.cli import bench

        print(bench(args.sizes, args.repeats, args.work, args.stages, args.engines,
                    args.timeout, query_timeout=args.query_timeout,
                    rdflib_memory_gib=args.rdflib_memory_gib), end="")
        return 0
    from kg.cliconv import changed_outputs, snapshot_outputs
    from kg.imports.project import find_config, import_sipri, read_config

    config = find_config(args.data, args.config)
    project = read_config(config) if config is not None else None
    before = snapshot_outputs(args.out)
    imp, written = import_sipri(args.path, load_graph(args.data).data, args.out,
                                project=project)
    print("\n".join(imp.report_lines()))
    for path in changed_outputs(before, [written[n] for n in sorted(written)]):
        print(f"wrote {path}")
    return 0


_STREAM = {"auto": None, "on": True, "off": False}


def _build(args: argparse.Namespace) -> int:
    from kg.analysis.stats import format_stats
    from kg.cliconv import built_outputs
    from kg.pipeline.build import build
    from kg.pipeline.built import format_graphs

    before = built_outputs(args.out)
    result = build(args.data, args.out, html_page=not args.no_html, config=args.config,
                   focus=args.focus, hops=args.hops, lock_wait=args.lock_wait,
                   sources_dir=args.sources, stream=_STREAM[args.stream],
                   cache_dir=None if args.no_cache else _cache_dir())
    print(format_stats(result.stats), end="")
    if result.import_report:
        print("\n" + "\n".join(line for line in result.import_report
                               if not line.startswith("  ")))
    print(f"\n{len(result.warnings)} warning(s) (run `kg check` to list them)")
    if result.imports_kept:
        print(f"{result.imports_cached} import(s) unchanged: their graphs kept from the "
              "previous build, not read again")
    elif result.imports_cached:
        print(f"{result.imports_cached} import(s) unchanged: taken from the cache")
    if result.streamed:
        print("built file by file, range by range (streamed)")
    if result.spliced:
        print("RDF outputs updated from the previous build (only what changed was "
              "rewritten)")
    if result.up_to_date:
        print(f"{args.out} was built from these very inputs (by content hash) and is "
              "intact: nothing written")
    else:
        changed = [result.outputs[n] for n in sorted(result.outputs)
                   if result.manifest is None or n not in result.manifest.outputs
                   or before.get(result.outputs[n]) != result.manifest.outputs[n]]
        for path in changed:
            print(f"wrote {path}")
        if not changed:
            print(f"{args.out}: every output is unchanged")
    print(format_graphs(result.graphs, args.out))
    return 0


def _query_elsewhere(args: argparse.Namespace) -> int:
    """query --endpoint and query --graph-file."""
    if args.endpoint:
        from kg.sparql.store import query as remote_query

        graphs = [g for g in (args.graph or [DEFAULT_GRAPH]) if g]
        answer = remote_query(args.endpoint, _query_text(args.sparql),
                              graph_iri=graphs or None, timeout=args.timeout,
                              max_rows=args.max_rows)
        return _print_result(args, _formatted(answer, args))
    from kg.pipeline.built import union
    from kg.sparql.engine import OxigraphEngine
    from kg.sparql.vetting import vet

    text = _query_text(args.sparql)
    prepared = vet(text, "oxigraph")  # refused before a big file is loaded
    return _answer_here(args, union(OxigraphEngine.from_path(args.graph_file)), text, prepared)


def _from_data(args: argparse.Namespace) -> int:
    """serve, stats and query --from-data: over data/ in memory (rdflib)."""
    from kg.analysis.stats import format_stats, stats
    from kg.cliconv import stats_json
    from kg.pipeline.build import load_graph
    from kg.sparql.query import query

    graph = load_graph(args.data).graph
    if args.command == "serve":
        return _serve(args, graph)
    if args.command == "stats":
        counts = stats(graph)
        print(stats_json(counts) if args.format == "json" else fit_width(format_stats(counts)),
              end="")
        return 0
    answer = query(graph, _query_text(args.sparql), timeout=args.timeout,
                   max_rows=args.max_rows, engine=args.engine or "rdflib")
    return _print_result(args, _formatted(answer, args))


def _push(args: argparse.Namespace) -> int:
    """kg push: the build's graphs (or data/'s graph with --from-data), streamed."""
    from kg.sparql.store import push, push_store

    options = {"endpoint": args.endpoint, "update": args.update, "graph_iri": args.graph,
               "timeout": args.timeout, "chunk_bytes": args.chunk_mib << 20}
    if args.from_data:
        from kg.pipeline.build import load_graph

        pushed = push(load_graph(args.data).graph, **options)
    else:
        from kg.pipeline.built import open_built
        from kg.pipeline.cache import default_cache_dir

        built = open_built(args.built, args.data, cache_dir=default_cache_dir())
        pushed = push_store(built.store, **options)
    for graph, triples in pushed.graphs:
        print(f"pushed {triples} triples into <{graph}> at {pushed.endpoint}")
    return 0


def _result_format(args: argparse.Namespace) -> str:
    return infer_format(args.format, args.out, RESULT_FORMATS, default="table")


def _print_result(args: argparse.Namespace, text: str) -> int:
    """Query results to standard output (cut to the terminal if a table) or to -o FILE."""
    if args.out is None or str(args.out) == "-":
        print(fit_width(text) if _result_format(args) == "table" else text, end="")
        return 0
    from kg.cliconv import changed_outputs, snapshot_outputs, write_output

    before = snapshot_outputs(args.out)
    write_output(args.out, text)
    for path in changed_outputs(before, [args.out]):
        print(f"wrote {path}", file=sys.stderr)
    return 0


def _read_built(args: argparse.Namespace) -> int:
    """serve, stats and query over the build (kg.pipeline.built), built first if stale."""
    if args.command == "serve":
        return _serve(args, None)
    from kg.core.cachedir import default_cache_dir
    from kg.pipeline.built import open_built

    if args.command == "query":  # a refused query is refused before any build
        from kg.sparql.vetting import vet

        text = _query_text(args.sparql)
        prepared = vet(text, args.engine or "oxigraph")
    built = open_built(args.built, args.data, cache_dir=default_cache_dir())
    if args.command == "stats":
        from kg.analysis.stats import format_stats, stats
        from kg.cliconv import stats_json

        counts = stats(built.triples())
        print(stats_json(counts) if args.format == "json" else fit_width(format_stats(counts)),
              end="")
        return 0
    if args.engine == "rdflib":
        from kg.sparql.query import query

        answer = query(built.graph(), text, timeout=args.timeout, max_rows=args.max_rows)
        return _print_result(args, _formatted(answer, args))
    return _answer_here(args, built.engine(), text, prepared)


def _answer_here(args: argparse.Namespace, engine: OxigraphEngine, text: str,
                 prepared: Query | None) -> int:
    """Evaluate in this process, which answers and ends (kg.sparql.oneshot), and print."""
    from kg.sparql.oneshot import evaluate_here
    from kg.sparql.results import from_answer

    found = evaluate_here(engine, text, prepared, timeout=args.timeout,
                          max_rows=args.max_rows, expired=_expired)
    return _print_result(args, _formatted(from_answer(found), args))


def _expired(error: KGError) -> None:
    print(f"kg: error: {error}", file=sys.stderr, flush=True)


_NETWORK = ("path", "neighbors", "central", "communities", "export", "diff")


def _network(args: argparse.Namespace) -> int:
    from kg.analysis import netexport, netformat, network
    from kg.analysis.diff import diff, format_diff
    from kg.cliconv import changed_outputs, snapshot_outputs
    from kg.pipeline.build import load_graph
    from kg.pipeline.built import open_built
    from kg.pipeline.cache import default_cache_dir

    if args.command == "diff":
        changes = diff(args.old, args.new, data=args.data)
        print(netformat.json_text(changes) if args.format == "json"
              else format_diff(changes), end="")
        return 0
    graph = load_graph(args.data).graph if args.from_data else open_built(
        args.built, args.data, cache_dir=default_cache_dir()).graph()
    if args.command == "export":
        fmt = infer_format(args.format, args.out, netexport.EXPORT_FORMATS)
        if str(args.out) == "-":  # standard output, never a file named "-"
            if fmt == "csv":
                raise KGError("-o -: csv writes two files (nodes.csv, edges.csv); name a "
                              "folder, or use -f graphml or gexf for standard output")
            sys.stdout.write(netexport.network_text(graph, fmt)[""])
            return 0
        before = snapshot_outputs(args.out)
        for path in changed_outputs(before, netexport.export_network(graph, fmt, args.out)):
            print(f"wrote {path}")
        return 0
    result: Sequence[object]
    if args.command == "path":
        result = network.paths(graph, args.a, args.b, directed=args.directed,
                               max_length=args.max_length, limit=args.limit, **_filter_args(args))
        text = netformat.format_paths(result, args.a, args.b)
    elif args.command == "neighbors":
        result = network.neighbors(graph, args.name, hops=args.hops, **_filter_args(args))
        text = netformat.format_neighbors(result, args.name)
    elif args.command == "central":
        result = network.central(graph, by_class=args.by_class, top=args.top, sort=args.sort)
        text = netformat.format_central(result)
    else:
        result = network.communities(graph, min_size=args.min_size)
        text = netformat.format_communities(result)
    print(netformat.json_text(result) if args.format == "json" else fit_width(text), end="")
    return 1 if args.command == "path" and not result else 0


def _filter_args(args: argparse.Namespace) -> dict[str, Any]:
    return {"exclude_predicates": args.exclude_predicate,
            "exclude_classes": args.exclude_class, "as_of": args.as_of}


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return _run(args)
    except DataError as exc:
        errors = [i for i in exc.issues if i.is_error]
        _print_issues(errors)
        print(f"{len(errors)} error(s); nothing written", file=sys.stderr)
        return 1
    except KGError as exc:
        print(f"kg: error: {exc}", file=sys.stderr)
        return 1
    except RecursionError:  # a deeply nested query or a very long chain: no traceback
        print("kg: error: the input is nested too deeply or chains too far to process "
              "(Python's recursion limit was reached)", file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
