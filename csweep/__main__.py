"""Command line: ``csweep demo`` runs the PyRates tutorial sweep; ``csweep run sweep.yaml`` runs a
sweep file; ``csweep verify STORE`` checks a store's blocks (also as ``python -m csweep ...``).

A user's mistake (a bad argument, a missing file, an unknown template, an existing store) is told
in one line on stderr, in the command line's own words, with exit status 2; ``--debug`` shows the
traceback instead. main() is the one place that turns exceptions into those lines.
"""

from __future__ import annotations

import argparse
import math
import sys
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import NoReturn

import yaml

from . import __version__, kernel_info
from .circuits.template_reader import TemplateError, list_templates, load_template
from .engine.store import StoreBusyError

#: exceptions that report a mistake in what the user asked for, or a store another process is
#: writing (a bug raises something else)
USER_ERRORS = (ValueError, TypeError, KeyError, LookupError, OSError, ImportError, TemplateError,
               yaml.YAMLError, StoreBusyError, MemoryError, ArithmeticError)
#: the Python API's words in messages -> the command line's
CLI_WORDS = {
    "pass resume=True": "run again with --resume",
    "resume=True": "--resume",
    "pass store=PATH": "add 'store: PATH' to the sweep file",
    "n_threads": "--threads",
    "client=": "--scheduler",
}
DEBUG_HINT = "--debug shows the traceback"
#: the demo's simulation times, s: long enough to summarise, short enough to hold in memory
DEMO_MIN_SECONDS, DEMO_MAX_SECONDS = 0.1, 3600.0


class _Parser(argparse.ArgumentParser):
    """argparse, with its errors told in one line that points to --help."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: {message} (see '{self.prog} --help')\n")


def _one_line(exc: BaseException) -> str:
    """An exception's message in the command line's words, on one line."""
    # a KeyError's str() is the repr of its message
    text = exc.args[0] if isinstance(exc, KeyError) and exc.args else str(exc)
    if isinstance(exc, OSError) and exc.filename is not None and exc.strerror:
        text = f"{exc.filename}: {exc.strerror}"
    text = str(text) or type(exc).__name__
    for api, cli in CLI_WORDS.items():
        text = text.replace(api, cli)
    return " ".join(text.split())


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line with ``argv`` (default: sys.argv[1:]); returns the exit status."""
    args = _parser().parse_args(argv)
    prog = f"csweep {args.command}"
    if args.debug:                   # tracebacks and warnings as Python shows them
        return _command(args, prog, [])
    # warnings (NumPy's among them) are held back: shown after a command that succeeds, folded
    # into the one line of one that fails
    with warnings.catch_warnings(record=True) as warned:
        warnings.simplefilter("default")
        status = _command(args, prog, warned)
    if status in (0, 1) or status == 130:
        for w in warned:
            warnings.showwarning(w.message, w.category, w.filename, w.lineno)
    return status


def _command(args: argparse.Namespace, prog: str, warned: list) -> int:
    try:
        return COMMANDS[args.command](args)
    except KeyboardInterrupt:
        if args.debug:
            raise
        print(f"{prog}: interrupted"
              + (" (the same command with --resume continues a sweep that has a store)"
                 if args.command == "run" else ""), file=sys.stderr)
        return 130
    except Exception as exc:
        if args.debug:
            raise
        told = _one_line(exc) + _folded(warned)
        if isinstance(exc, USER_ERRORS):
            print(f"{prog}: {told}", file=sys.stderr)
            return 2
        print(f"{prog}: internal error, {type(exc).__name__}: {told} ({DEBUG_HINT}; "
              "please report it)", file=sys.stderr)
        warned.clear()
        return 1


def _folded(warned) -> str:
    """The warnings given before an error, as the end of its line."""
    if not warned:
        return ""
    texts = list(dict.fromkeys(" ".join(str(w.message).split()) for w in warned))
    return f" (after warnings: {'; '.join(texts[:3])}{'; ...' if len(texts) > 3 else ''})"


def _parser() -> argparse.ArgumentParser:
    from .engine.sweep_file import KEYS  # noqa: PLC0415

    parser = _Parser(
        prog="csweep",
        description="csweep: compiled, PyRates-compatible parameter sweeps of Jansen-Rit models.")
    info = kernel_info()
    parser.add_argument("--version", action="version",
                        version=f"csweep {__version__} (kernel: {info['simd']}, OpenMP: "
                                f"{'yes' if info['openmp'] else 'no'})")
    parser.add_argument("--debug", action="store_true",
                        help="on an error, show the Python traceback instead of one line")
    # --debug is also accepted after the command (SUPPRESS: unset there, the value above stands)
    debug = _Parser(add_help=False)
    debug.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                       help="on an error, show the Python traceback instead of one line")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    demo = commands.add_parser(
        "demo", parents=[debug],
        help="run the PyRates tutorial sweep (six values of C) and summarise it",
        description="Runs the PyRates tutorial sweep on csweep's bundled JRC2 template with uniform "
                    "120-320 Hz noise, prints the regime of each C (mean and peak-to-peak of "
                    "V_e - V_i and its dominant frequency), and writes the tutorial's figure when "
                    "matplotlib is installed.")
    demo.add_argument("--simulation-time", type=_demo_seconds, default=10.0,
                      help=f"seconds, at most {DEMO_MAX_SECONDS:g} (default 10)")
    demo.add_argument("--cutoff", type=float, default=None,
                      help="seconds of transient left out of the summary (default 1, or half "
                           "the simulation time when that is shorter than 2 s)")
    demo.add_argument("--seed", type=int, default=0, help="noise seed (default 0)")
    demo.add_argument("--threads", type=int, default=None, help="OpenMP threads (default: all)")
    demo.add_argument("--figure", type=Path, default=Path("csweep_demo.png"),
                      help="where to write the figure (default ./csweep_demo.png)")
    demo.add_argument("--no-figure", action="store_true", help="do not write the figure")

    run = commands.add_parser(
        "run", parents=[debug], help="run the sweep a YAML file describes (see examples/sweep.yaml)",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Runs grid_search with the keys of a YAML sweep file. Keys:\n\n" + "\n".join(
            f"  {key:<20}{text}" for key, text in KEYS.items())
        + "\n\nWith a store, results go there (read it with xarray.open_zarr); features are "
          "also written to --features-csv when given.")
    run.add_argument("sweep_file", type=Path, help="the YAML sweep file")
    run.add_argument("--resume", action="store_true",
                     help="continue the interrupted sweep that wrote the file's store")
    run.add_argument("--threads", type=int, default=None,
                     help="OpenMP threads (default: all; with --scheduler: per task, default: "
                          "each machine's cores shared among its task slots)")
    run.add_argument("--scheduler", default=None, metavar="ADDRESS",
                     help="run the blocks on the Dask cluster at this address, e.g. "
                          "tcp://10.0.0.5:8786 (pip install 'csweep[dask]'); the store must be "
                          "a path every worker can write")
    run.add_argument("--features-csv", type=Path, default=None,
                     help="write the features table (one row per set) to this CSV file")
    run.add_argument("--progress", choices=("auto", "yes", "no"), default="auto",
                     help="progress on stderr: auto (on a terminal), yes, no; a bar with "
                          "pip install 'csweep[progress]' (tqdm), else a line of text")

    verify = commands.add_parser(
        "verify", parents=[debug], help="check a store's blocks against their checksums",
        description="Reads every finished block of a csweep store and compares it with the "
                    "checksums written with it. Prints each damaged block and the arrays that "
                    "differ; exits with 1 when any block is damaged (run the sweep again with "
                    "--resume to recompute those blocks), 0 otherwise.")
    verify.add_argument("store", type=Path, help="the store's path (a .zarr folder)")

    commands.add_parser("templates", parents=[debug],
                        help="list the bundled circuit templates and what each is")
    show = commands.add_parser("show", parents=[debug],
                               help="list a template's nodes, operators and variables")
    show.add_argument("template", help='a template name, e.g. "JRC2" or "file.yaml:NAME"')
    return parser


def _demo_seconds(text: str) -> float:
    """``--simulation-time``: a finite number of seconds the demo can run and summarise."""
    try:
        seconds = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid number of seconds: {text!r}") from None
    if not (math.isfinite(seconds) and DEMO_MIN_SECONDS <= seconds <= DEMO_MAX_SECONDS):
        raise argparse.ArgumentTypeError(
            f"must be a number of seconds from {DEMO_MIN_SECONDS:g} to {DEMO_MAX_SECONDS:g}; "
            f"received {text}")
    return seconds


def _demo_cutoff(args: argparse.Namespace) -> float:
    """The demo's cutoff, checked against its simulation time as the demo's own option."""
    cutoff = args.cutoff if args.cutoff is not None else min(1.0, args.simulation_time / 2)
    if not (math.isfinite(cutoff) and 0.0 <= cutoff < args.simulation_time):
        raise ValueError(f"--cutoff must be from 0 up to (not including) --simulation-time "
                         f"({args.simulation_time:g} s); received {cutoff:g}")
    return cutoff


def _templates(args: argparse.Namespace) -> int:
    names = list_templates()
    width = max(map(len, names), default=0)
    for name in names:
        description = " ".join(getattr(load_template(name), "description", "").split())
        print(f"{name:<{width}}  {description}".rstrip())
    return 0


def _show(args: argparse.Namespace) -> int:
    template = load_template(args.template)
    if not hasattr(template, "describe"):
        raise TemplateError(f"{args.template!r} is an operator or node template, not a circuit; "
                            "'csweep templates' lists the circuits")
    print(template.describe())
    return 0


def _demo(args: argparse.Namespace) -> int:
    from .demo import PYRATES_SECONDS, plot_tutorial, run_tutorial, summarise  # noqa: PLC0415

    cutoff = _demo_cutoff(args)
    results, results_map, seconds = run_tutorial(args.simulation_time, seed=args.seed,
                                                 n_threads=args.threads, cutoff=cutoff)
    table = summarise(results, results_map)
    print(f"PyRates tutorial sweep: {len(results_map)} values of C, {args.simulation_time:g} s at "
          f"dt = 1e-4 (the first {cutoff:g} s left out), uniform 120-320 Hz noise "
          f"(seed {args.seed})")
    print(table.to_string(float_format=lambda x: f"{x:9.3f}"))
    print(f"grid_search took {seconds:.3f} s (PyRates 1.2.3 took {PYRATES_SECONDS:g} s for this "
          "call on a 2-core machine)")
    if not args.no_figure:
        try:
            path = plot_tutorial(results, results_map, args.figure)
        except ImportError:
            print("figure not written: matplotlib is not installed "
                  "(pip install 'csweep[plot]' to get it)")
        else:
            print(f"figure written to {path.resolve()}")
    return 0


def _verify(args: argparse.Namespace) -> int:
    from .engine.store import verify_store  # noqa: PLC0415

    report = verify_store(args.store)
    print(report)
    return 0 if report.ok else 1


def _run(args: argparse.Namespace) -> int:
    import time  # noqa: PLC0415

    from .engine.sweep import grid_search  # noqa: PLC0415
    from .engine.sweep_file import SweepFileError, load_sweep_file  # noqa: PLC0415

    kwargs = load_sweep_file(args.sweep_file)
    if kwargs.get("store") is None and kwargs.get("features") is None:
        raise SweepFileError(f"{args.sweep_file}: the sweep file names neither a store nor "
                             "features, so nothing would be kept; add 'store: sweep.zarr' or a "
                             "'features:' section")
    if kwargs.get("store") is None:
        kwargs["keep_timeseries"] = False
    progress = {"auto": None, "yes": True, "no": False}[args.progress]
    started = time.perf_counter()
    result = grid_search(**kwargs, n_threads=args.threads, resume=args.resume,
                         progress=progress, client=args.scheduler)
    seconds = time.perf_counter() - started
    n_sets = len(result.results_map)
    print(f"csweep run: {n_sets} parameter sets in {seconds:.1f} s"
          + (f"; store: {result.store}" if result.store else ""))
    if result.features is not None:
        if args.features_csv is not None:
            result.features.to_csv(args.features_csv)
            print(f"features written to {args.features_csv}")
        print(result.features.describe().T.to_string(float_format=lambda x: f"{x:10.4g}"))
    return 0


COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "demo": _demo, "run": _run, "verify": _verify, "templates": _templates, "show": _show}

if __name__ == "__main__":
    sys.exit(main())
