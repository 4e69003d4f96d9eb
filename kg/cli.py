"""The command line: parse arguments, make one library call, print. No logic lives here."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from kg.bench.cli import bench
from kg.build import build, check, load_graph
from kg.cache import default_cache_dir
from kg.errors import DataError, KGError
from kg.query import RESULT_FORMATS, format_result, query
from kg.stats import format_stats, stats


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kg", description="Build, check and query a sourced "
                                     "knowledge graph of defence and security news.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, help_text: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_text, description=help_text)
        p.add_argument("--data", default="data", type=Path,
                       help="folder of curated YAML files (default: data)")
        return p

    p = command("build", "check data/ and write graph.ttl, graph.nt, graph.jsonld, graph.html")
    p.add_argument("--out", default="out", type=Path, help="output folder (default: out)")
    p.add_argument("--no-html", action="store_true", help="skip the HTML page")
    p.add_argument("--no-cache", action="store_true",
                   help="parse every file afresh (default: reuse the per-file cache in "
                   "$KG_CACHE_DIR or ~/.cache/kg; a file is re-read whenever its bytes change)")
    command("check", "check data/ and print every problem; write nothing")
    p = command("query", "run a SPARQL query (inline or a .rq file) over the graph")
    p.add_argument("sparql", help="the query text, or the path of a .rq file")
    p.add_argument("--format", choices=RESULT_FORMATS, default="table",
                   help="table (default), or the SPARQL results formats csv, tsv, json")
    command("stats", "print counts of entities by class and facts by predicate")
    p = sub.add_parser("bench", help="benchmark every stage against baselines (docs/benchmarks.md)",
                       description="generate data and time every stage against baselines")
    p.add_argument("--sizes", default="1k,10k",
                   help="comma-separated sizes among 1k,10k,100k,1m (default: 1k,10k)")
    p.add_argument("--repeats", type=int, default=3, help="runs per measurement (median)")
    p.add_argument("--work", type=Path, default=Path("bench-work"),
                   help="folder for generated data and outputs (default: bench-work)")
    p.add_argument("--stages", default=None, help="comma-separated stages (default: all)")
    p.add_argument("--engines", default="kg-query,pyoxigraph,rdflib",
                   help="query engines to compare ('' for none)")
    p.add_argument("--timeout", type=float, default=1800,
                   help="seconds before one measurement is given up (reported as a timeout)")
    _network_parsers(command)
    return parser


def _network_parsers(command: Callable[[str, str], argparse.ArgumentParser]) -> None:
    p = command("path", "shortest paths between two entities, each fact with sources and dates")
    p.add_argument("a", help="id, label or alias (any case)")
    p.add_argument("b", help="id, label or alias (any case)")
    p.add_argument("--directed", action="store_true", help="follow facts subject -> object only")
    p.add_argument("--max-length", type=int, help="longest path to report, in facts")
    p.add_argument("--limit", type=int, default=10, help="most paths to print (default 10)")
    _filters(p)
    _format_arg(p)
    p = command("neighbors", "entities within K facts of an entity, with the facts joining them")
    p.add_argument("name", help="id, label or alias (any case)")
    p.add_argument("--hops", type=int, default=1, help="how far to look (default 1)")
    _filters(p)
    _format_arg(p)
    p = command("central", "degree, betweenness and PageRank of the entities, best first")
    p.add_argument("--by-class", help="only entities of this class (or its subclasses)")
    p.add_argument("--top", type=int, default=10, help="how many to print (default 10)")
    p.add_argument("--sort", choices=("degree", "betweenness", "pagerank"), default="degree",
                   help="metric to rank by (default degree)")
    _format_arg(p)
    p = command("communities", "groups of closely linked entities (Louvain, fixed seed)")
    p.add_argument("--min-size", type=int, default=2, help="smallest group listed (default 2)")
    _format_arg(p)
    p = command("export", "write the entity network for Gephi or Cytoscape")
    p.add_argument("--format", choices=("graphml", "gexf", "csv"), required=True)
    p.add_argument("--out", type=Path, required=True,
                   help="file (graphml, gexf) or folder for nodes.csv and edges.csv (csv)")
    p = command("diff", "statements added, removed and changed between two builds or revisions")
    p.add_argument("old", help="a graph file (.ttl, .nt, .jsonld), a data folder or a git revision")
    p.add_argument("new", help="a graph file (.ttl, .nt, .jsonld), a data folder or a git revision")
    _format_arg(p)


def _format_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("--format", choices=("text", "json"), default="text",
                   help="text (default) or json")


def _filters(p: argparse.ArgumentParser) -> None:
    p.add_argument("--exclude-predicate", action="append", default=[], metavar="P",
                   help="leave out facts with this predicate (repeatable)")
    p.add_argument("--exclude-class", action="append", default=[], metavar="C",
                   help="leave out entities of this class and its subclasses (repeatable)")
    p.add_argument("--as-of", metavar="DATE", help="only facts dated, or reported, on or "
                   "before DATE (YYYY, YYYY-MM, YYYY-MM-DD: its first day)")


def _query_text(arg: str) -> str:
    path = Path(arg)
    if arg.endswith(".rq") or (len(arg) < 256 and "\n" not in arg and path.is_file()):
        try:
            return path.read_text(encoding="utf-8")
        except OSError as exc:
            raise KGError(f"{arg}: cannot read query file: {exc.strerror}") from exc
    return arg


def _print_issues(issues: Sequence[object]) -> None:
    for issue in issues:
        print(issue, file=sys.stderr)


def _run(args: argparse.Namespace) -> int:
    if args.command == "check":
        issues = check(args.data)
        _print_issues(issues)
        errors = sum(1 for i in issues if i.is_error)
        print(f"{errors} error(s), {len(issues) - errors} warning(s)", file=sys.stderr)
        return 1 if errors else 0
    if args.command == "build":
        result = build(args.data, args.out, html_page=not args.no_html,
                       cache_dir=None if args.no_cache else default_cache_dir())
        print(format_stats(result.stats), end="")
        print(f"\n{len(result.warnings)} warning(s) (run `kg check` to list them)")
        for name in sorted(result.outputs):
            print(f"wrote {result.outputs[name]}")
        return 0
    if args.command == "bench":
        print(bench(args.sizes, args.repeats, args.work, args.stages, args.engines,
                    args.timeout), end="")
        return 0
    if args.command in _NETWORK:
        return _network(args)
    graph = load_graph(args.data).graph
    if args.command == "stats":
        print(format_stats(stats(graph)), end="")
        return 0
    print(format_result(query(graph, _query_text(args.sparql)), args.format), end="")
    return 0


_NETWORK = ("path", "neighbors", "central", "communities", "export", "diff")


def _network(args: argparse.Namespace) -> int:
    from kg import netexport, netformat, network
    from kg.diff import diff, format_diff

    if args.command == "diff":
        changes = diff(args.old, args.new, data=args.data)
        print(netformat.json_text(changes) if args.format == "json"
              else format_diff(changes), end="")
        return 0
    graph = load_graph(args.data).graph
    if args.command == "export":
        for path in netexport.export_network(graph, args.format, args.out):
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
    print(netformat.json_text(result) if args.format == "json" else text, end="")
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


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
