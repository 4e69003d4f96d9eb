"""The command line: parse arguments, make one library call, print. No logic lives here."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

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
    return parser


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
    graph = load_graph(args.data).graph
    if args.command == "stats":
        print(format_stats(stats(graph)), end="")
        return 0
    print(format_result(query(graph, _query_text(args.sparql)), args.format), end="")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return _run(args)
    except DataError as exc:
        _print_issues(exc.issues)
        errors = sum(1 for i in exc.issues if i.is_error)
        print(f"{errors} error(s); nothing written", file=sys.stderr)
        return 1
    except KGError as exc:
        print(f"kg: error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
