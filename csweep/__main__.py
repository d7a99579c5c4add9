"""Command line: ``csweep demo`` runs the PyRates tutorial sweep; ``csweep run sweep.yaml`` runs a
sweep file; ``csweep verify STORE`` checks a store's blocks (also as ``python -m csweep ...``)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import __version__, kernel_info
from .template_reader import list_templates, load_template


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="csweep",
        description="csweep: compiled, PyRates-compatible parameter sweeps of Jansen-Rit models.")
    info = kernel_info()
    parser.add_argument("--version", action="version",
                        version=f"csweep {__version__} (kernel: {info['simd']}, OpenMP: "
                                f"{'yes' if info['openmp'] else 'no'})")
    commands = parser.add_subparsers(dest="command", required=True)

    demo = commands.add_parser(
        "demo", help="run the PyRates tutorial sweep (six values of C) and summarise it",
        description="Runs the PyRates tutorial sweep on csweep's bundled JRC2 template with uniform "
                    "120-320 Hz noise, prints mean and peak-to-peak of V_e - V_i and its dominant "
                    "frequency per C, and writes the tutorial's figure when matplotlib is installed.")
    demo.add_argument("--simulation-time", type=float, default=10.0, help="seconds (default 10)")
    demo.add_argument("--seed", type=int, default=0, help="noise seed (default 0)")
    demo.add_argument("--threads", type=int, default=None, help="OpenMP threads (default: all)")
    demo.add_argument("--figure", type=Path, default=Path("csweep_demo.png"),
                      help="where to write the figure (default ./csweep_demo.png)")
    demo.add_argument("--no-figure", action="store_true", help="do not write the figure")

    from .sweep_file import KEYS  # noqa: PLC0415

    run = commands.add_parser(
        "run", help="run the sweep a YAML file describes (see examples/sweep.yaml)",
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
                     help="progress bar: auto (on a terminal, when tqdm is installed), yes, no")

    verify = commands.add_parser(
        "verify", help="check a store's blocks against their checksums",
        description="Reads every finished block of a csweep store and compares it with the "
                    "checksums written with it. Prints each damaged block and the arrays that "
                    "differ; exits with 1 when any block is damaged (resume=True runs those "
                    "blocks again), 0 otherwise.")
    verify.add_argument("store", type=Path, help="the store's path (a .zarr folder)")

    commands.add_parser("templates", help="list the bundled circuit templates")
    show = commands.add_parser("show", help="list a template's nodes, operators and variables")
    show.add_argument("template", help='a template name, e.g. "JRC2" or "file.yaml:NAME"')

    args = parser.parse_args(argv)
    if args.command == "templates":
        print("\n".join(list_templates()))
    elif args.command == "show":
        print(load_template(args.template).describe())
    elif args.command == "run":
        return _run(args)
    elif args.command == "verify":
        return _verify(args)
    else:
        return _demo(args)
    return 0


def _demo(args) -> int:
    from .demo import plot_tutorial, run_tutorial, summarise  # noqa: PLC0415

    results, results_map, seconds = run_tutorial(args.simulation_time, seed=args.seed,
                                                 n_threads=args.threads)
    table = summarise(results, results_map)
    print(f"PyRates tutorial sweep: {len(results_map)} values of C, {args.simulation_time:g} s at "
          f"dt = 1e-4, uniform 120-320 Hz noise (seed {args.seed})")
    print(table.to_string(float_format=lambda x: f"{x:9.3f}"))
    print(f"grid_search took {seconds:.3f} s "
          f"(PyRates 1.2.3 needs about 7.5 s for this call on a 2-core machine)")
    if not args.no_figure:
        try:
            path = plot_tutorial(results, results_map, args.figure)
        except ImportError:
            print("figure not written: matplotlib is not installed "
                  "(pip install 'csweep[plot]' to get it)")
        else:
            print(f"figure written to {path.resolve()}")
    return 0


def _verify(args) -> int:
    from .store_check import verify_store  # noqa: PLC0415

    report = verify_store(args.store)
    print(report)
    return 0 if report.ok else 1


def _run(args) -> int:
    import time  # noqa: PLC0415

    from .sweep import grid_search  # noqa: PLC0415
    from .sweep_file import SweepFileError, load_sweep_file  # noqa: PLC0415

    try:
        kwargs = load_sweep_file(args.sweep_file)
    except (OSError, SweepFileError) as exc:
        print(f"csweep run: {exc}", file=sys.stderr)
        return 2
    if kwargs.get("store") is None and kwargs.get("features") is None:
        print("csweep run: the sweep file names neither a store nor features, so nothing would "
              "be kept; add 'store: sweep.zarr' or a 'features:' section", file=sys.stderr)
        return 2
    if kwargs.get("store") is None:
        kwargs["keep_timeseries"] = False
    progress = {"auto": None, "yes": True, "no": False}[args.progress]
    started = time.perf_counter()
    try:
        result = grid_search(**kwargs, n_threads=args.threads, resume=args.resume,
                             progress=progress, client=args.scheduler)
    except ImportError as exc:   # an optional extra (zarr, dask) is missing
        print(f"csweep run: {exc}", file=sys.stderr)
        return 2
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


if __name__ == "__main__":
    sys.exit(main())
