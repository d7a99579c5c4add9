"""Time csweep against the C speed limit on workload W (see benchmarks/README.md).

Workload W: the JRC2 model, N parameter sets with c = linspace(60, 1400, N), Euler, dt = 1e-4,
100,000 steps (T = 10 s), one input series u shared by all sets, V_e and V_i recorded every 10
steps after 1 s (9000 samples). Contenders, run in this one process and interleaved (every
contender once, then every contender again, ...):

  C limit (hand exp)  jr_strict_hexp_d from jr_limit.c: IEEE double, vectorised polynomial exp,
                      built with -march=native (the yardstick; "x C limit" divides by it)
  C limit (libm exp)  jr_strict_d: the same loop with the scalar libm exp
  csweep kernel       the compiled kernel csweep runs (the AVX2 build where the CPU has AVX2),
                      called directly: no Python set-up, no frames
  csweep kernel f32   the same with compute_precision="float32"
  csweep grid_search  the whole public call, float64 output, DataFrames included

Each N is run on every --threads count (default 1 and 2). Then the official tutorial call end to
end in csweep and, when pyrates is importable, in PyRates (its time and the ratio), and the peak
RSS of a 6000-set float32 sweep in a fresh process against the size of its returned frame.

The C programs time themselves (allocation of their output included, start-up and reading u
excluded). The csweep timings include the first touch of a freshly allocated output buffer, as
the C programs' do. One untimed run of every contender on 16 sets comes first.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

try:
    import csweep
    from csweep import _integrate, _runtime
    from csweep.kernels.builds import kernel, single_kernel
except ImportError as exc:  # pragma: no cover - a newcomer's first run
    sys.exit(f"cannot import csweep ({exc}); install it first: pip install .")

HERE = Path(__file__).resolve().parent

# workload W
N_STEPS = 100_000
STEP_SIZE = 1e-4
SIMULATION_TIME = 10.0
SAMPLING_STEP_SIZE = 1e-3
CUTOFF = 1.0
EVERY = 10                      # steps between samples
FIRST = 1000                    # first sample kept (t = 1 s)
N_RECORDS = 9000
JRC2_DEFAULTS = {"h_e": 3.25e-3, "tau_e": 10e-3, "h_i": 22e-3, "tau_i": 20e-3, "m_max": 5.0,
                 "r": 560.0, "V_thr": 6e-3, "ei_ratio": 4.0, "io_ratio": 3.0}

C_LIMIT = "C limit (hand exp)"
C_LIBM = "C limit (libm exp)"
C_VARIANTS = {C_LIMIT: "jr_strict_hexp_d", C_LIBM: "jr_strict_d"}
KERNEL = "csweep kernel"
KERNEL_F32 = "csweep kernel f32"
END_TO_END = "csweep grid_search"

# the official tutorial call (PyRates' documentation, recorded in tests/data/a_tutorial)
TUTORIAL_C = [68.0, 128.0, 135.0, 270.0, 675.0, 1350.0]

WARM_UP_SETS = 16               # one tile of csweep's kernel: a cheap untimed first run
CHECK_RTOL = 1e-9               # allowed max |difference| as a fraction of the signal's range


def sweep_values(n_sets: int) -> np.ndarray:
    return np.linspace(60.0, 1400.0, n_sets)


def shared_input() -> np.ndarray:
    """u of workload W, shape (N_STEPS,); build.sh writes the same series to u.bin."""
    return np.random.default_rng(42).uniform(120, 320, N_STEPS)


def ns_per_set_step(wall_s: float, n_sets: int) -> float:
    return wall_s * 1e9 / (n_sets * N_STEPS)


# --- the C limit ------------------------------------------------------------------------------

def build_c_limit(folder: Path, u: np.ndarray) -> Path | None:
    """Build the C programs into ``folder`` with build.sh; None (and a message) when that fails."""
    if shutil.which("gcc") is None:
        print("C limit skipped: gcc not found")
        return None
    # build.sh writes u.bin with `python3 -c "import numpy ..."`: let it find this interpreter
    env = dict(os.environ, PATH=os.pathsep.join([str(Path(sys.executable).parent),
                                                 os.environ.get("PATH", "")]))
    try:
        subprocess.run(["bash", str(HERE / "build.sh"), str(folder)], env=env, check=True,
                       capture_output=True, text=True)
    except (OSError, subprocess.CalledProcessError) as exc:
        detail = getattr(exc, "stderr", "") or str(exc)
        print(f"C limit skipped: build.sh failed:\n{detail.strip()}")
        return None
    if not np.array_equal(np.fromfile(folder / "u.bin"), u):
        print("C limit skipped: build.sh's u.bin differs from this script's input series")
        return None
    return folder


def run_c(folder: Path, program: str, n_sets: int, threads: int, dump: Path | None = None) -> float:
    """Run one C program (its cwd holds u.bin) and return the wall time it measured itself."""
    command = [str(folder / program), str(n_sets), str(threads)] + ([str(dump)] if dump else [])
    done = subprocess.run(command, cwd=folder, check=True, capture_output=True, text=True)
    fields = dict(item.split("=", 1) for item in done.stdout.split() if "=" in item)
    return float(fields["wall_s"])


# --- csweep -----------------------------------------------------------------------------------

def kernel_parameters(c: np.ndarray) -> np.ndarray:
    """(10, N) float64 parameter rows in the kernel's order, c swept, the rest at defaults."""
    values = dict(JRC2_DEFAULTS, c=c)
    return np.array([np.broadcast_to(values[name], c.shape) for name in _integrate.JRC2_PARAMETERS],
                    dtype=np.float64)


def time_kernel(c: np.ndarray, u_column: np.ndarray, threads: int, single: bool = False) -> float:
    params = kernel_parameters(c)
    m_in = np.zeros((1, 1))
    record = np.array([_integrate.JRC2_RECORDABLE.index(name) for name in ("V_e", "V_i")],
                      dtype=np.intc)
    out = np.empty((N_RECORDS, 2, len(c)))   # not touched yet, as in the C programs
    solver = _runtime.SOLVERS["euler"]
    no_state = np.empty((0, 0))
    start = time.perf_counter()
    # the builds grid_search would use for this precision
    (single_kernel if single else kernel).integrate_jrc2(
        params, u_column, m_in, record, out, no_state, no_state, EVERY, FIRST, N_STEPS, solver,
        STEP_SIZE, threads, single)
    return time.perf_counter() - start


def workload_grid_search(c: np.ndarray, u_column: np.ndarray, threads: int):
    return csweep.grid_search(
        "JRC2", {"C": c}, {"C": {"vars": ["jrc_op/c"], "nodes": ["jrc"]}},
        step_size=STEP_SIZE, simulation_time=SIMULATION_TIME,
        sampling_step_size=SAMPLING_STEP_SIZE, cutoff=CUTOFF,
        inputs={"jrc/jrc_op/u": u_column},
        outputs={"V_e": "jrc/jrc_op/V_e", "V_i": "jrc/jrc_op/V_i"},
        float_precision="float64", n_threads=threads)


def time_grid_search(c: np.ndarray, u_column: np.ndarray, threads: int) -> float:
    start = time.perf_counter()
    results, results_map = workload_grid_search(c, u_column, threads)
    wall = time.perf_counter() - start
    del results, results_map
    return wall


def time_tutorial(noise: np.ndarray, grid_search=None) -> float:
    """The tutorial's call as a user writes it: float32, all cores (csweep's or PyRates')."""
    grid_search = grid_search or csweep.grid_search
    start = time.perf_counter()
    grid_search(
        circuit_template="model_templates.neural_mass_models.jansenrit.JRC2",
        param_grid={"C": TUTORIAL_C},
        param_map={"C": {"vars": ["jrc_op/c"], "nodes": ["jrc"]}},
        simulation_time=SIMULATION_TIME, step_size=STEP_SIZE,
        sampling_step_size=SAMPLING_STEP_SIZE, cutoff=CUTOFF,
        inputs={"jrc/jrc_op/u": noise},
        outputs={"V_pce": "jrc/jrc_op/V_e", "V_pci": "jrc/jrc_op/V_i"},
        backend="default", solver="euler")
    return time.perf_counter() - start


# --- benchmark and check ----------------------------------------------------------------------

def benchmark(sizes, thread_counts, repeats, c_folder) -> dict[tuple[str, int, int], list[float]]:
    """Wall times per (contender, N, threads), the contenders interleaved within each repeat."""
    u_column = shared_input()[:, None]
    # one untimed run of each contender first: thread pools, code and input pages get warm
    warm_up = sweep_values(WARM_UP_SETS)
    if c_folder is not None:
        for program in C_VARIANTS.values():
            run_c(c_folder, program, WARM_UP_SETS, max(thread_counts))
    time_kernel(warm_up, u_column, max(thread_counts))
    time_grid_search(warm_up, u_column, max(thread_counts))
    walls: dict[tuple[str, int, int], list[float]] = {}
    for n_sets in sizes:
        c = sweep_values(n_sets)
        for threads in thread_counts:
            for repeat in range(repeats):
                runs = {}
                if c_folder is not None:
                    for name, program in C_VARIANTS.items():
                        runs[name] = run_c(c_folder, program, n_sets, threads)
                runs[KERNEL] = time_kernel(c, u_column, threads)
                runs[KERNEL_F32] = time_kernel(c, u_column, threads, single=True)
                runs[END_TO_END] = time_grid_search(c, u_column, threads)
                for name, wall in runs.items():
                    walls.setdefault((name, n_sets, threads), []).append(wall)
                line = ", ".join(f"{name} {wall:.3f} s" for name, wall in runs.items())
                print(f"  N={n_sets} threads={threads} repeat {repeat + 1}/{repeats}: {line}",
                      flush=True)
    return walls


def check_against_c(folder: Path, n_sets: int, threads: int) -> dict:
    """Max |V_e - V_i| difference between csweep (float64) and the C programs' dumps.

    csweep keeps PyRates' convention (sample j is the state *before* step (FIRST + j) * EVERY);
    jr_limit.c records the state *after* that step, so its sample j is csweep's sample j + 1.
    The comparison uses the 8999 samples both have.
    """
    results, _ = workload_grid_search(sweep_values(n_sets), shared_input()[:, None], threads)
    values = results.to_numpy()
    ours = (values[:, :n_sets] - values[:, n_sets:])[1:]
    report = {"n_sets": n_sets, "samples_compared": len(ours), "rtol": CHECK_RTOL}
    for name, program in C_VARIANTS.items():
        dump = folder / f"dump_{program}_{n_sets}.bin"
        run_c(folder, program, n_sets, threads, dump)
        theirs = np.fromfile(dump).reshape(N_RECORDS, n_sets)[:-1]
        dump.unlink()
        span = float(np.ptp(theirs))
        diff = float(np.max(np.abs(ours - theirs)))
        report[name] = {"max_abs_diff_V": diff, "range_V": span, "relative_to_range": diff / span}
    # Judged against the libm variant, the exactly rounded reference (bitwise a NumPy Euler loop).
    # The hand-exp variant's polynomial rounds a little differently; over 100,000 steps that
    # drifts to about 2e-9 of the range (measured at N=600), so it is shown, not judged.
    report["passed"] = report[C_LIBM]["relative_to_range"] <= CHECK_RTOL
    return report


def summarise(walls) -> list[dict]:
    rows = []
    for (name, n_sets, threads), times in walls.items():
        limit = walls.get((C_LIMIT, n_sets, threads))
        limit_median = statistics.median(limit) if limit else None
        median = statistics.median(times)
        rows.append({"n_sets": n_sets, "threads": threads, "contender": name, "wall_s": times,
                     "median_wall_s": median, "ns_per_set_step": ns_per_set_step(median, n_sets),
                     "x_c_limit": median / limit_median if limit_median else None})
    return rows


def markdown_table(rows) -> str:
    lines = ["| N | threads | contender | median s | ns per set-step | x C limit |",
             "|---:|---:|---|---:|---:|---:|"]
    for row in rows:
        ratio = f"{row['x_c_limit']:.2f}" if row["x_c_limit"] is not None else "-"
        lines.append(f"| {row['n_sets']} | {row['threads']} | {row['contender']} | "
                     f"{row['median_wall_s']:.3f} | {row['ns_per_set_step']:.2f} | {ratio} |")
    return "\n".join(lines)


def print_table(rows) -> None:
    header = (f"{'N':>6} {'thr':>3}  {'contender':<20} {'median s':>9} {'min-max s':>15} "
              f"{'ns/set-step':>12} {'x C limit':>10}")
    print(header)
    print("-" * len(header))
    for row in rows:
        spread = f"{min(row['wall_s']):.3f}-{max(row['wall_s']):.3f}"
        ratio = f"{row['x_c_limit']:.2f}" if row["x_c_limit"] is not None else "-"
        print(f"{row['n_sets']:>6} {row['threads']:>3}  {row['contender']:<20} "
              f"{row['median_wall_s']:>9.3f} {spread:>15} {row['ns_per_set_step']:>12.2f} {ratio:>10}")


PEAK_RSS_SCRIPT = """
import resource, sys, numpy as np, csweep


def peak():
    # VmHWM is this process's own high-water mark; ru_maxrss can carry the parent's over the fork
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


n = int(sys.argv[1])
u = np.random.default_rng(42).uniform(120, 320, (100000, 1))
before = peak()
results, _ = csweep.grid_search(
    "JRC2", {"C": np.linspace(60, 1400, n)}, {"C": {"vars": ["jrc_op/c"], "nodes": ["jrc"]}},
    step_size=1e-4, simulation_time=10.0, sampling_step_size=1e-3, cutoff=1.0,
    inputs={"jrc/jrc_op/u": u}, outputs={"V_e": "jrc/jrc_op/V_e", "V_i": "jrc/jrc_op/V_i"})
print(before * 1024, peak() * 1024, int(results.memory_usage(index=True).sum()))
"""


def peak_rss(n_sets: int) -> dict:
    """Peak RSS of a fresh process running an n-set float32 sweep, against its frame's size."""
    done = subprocess.run([sys.executable, "-c", PEAK_RSS_SCRIPT, str(n_sets)], check=True,
                          capture_output=True, text=True, cwd=tempfile.gettempdir())
    before, peak, frame = map(int, done.stdout.split())
    return {"n_sets": n_sets, "rss_before_call_MB": before / 1e6, "peak_rss_MB": peak / 1e6,
            "frame_MB": frame / 1e6, "growth_over_frame": (peak - before) / frame}


def time_pyrates_tutorial(noise: np.ndarray, repeats: int) -> list[float] | None:
    """PyRates 1.2.3's own tutorial call, when pyrates is importable (it is not a dependency)."""
    try:
        import pyrates  # noqa: PLC0415
    except ImportError:
        return None
    with tempfile.TemporaryDirectory() as folder:   # PyRates writes its generated code to the cwd
        cwd = os.getcwd()
        os.chdir(folder)
        try:
            return [time_tutorial(noise.copy(), pyrates.grid_search) for _ in range(repeats)]
        finally:
            os.chdir(cwd)


def machine() -> dict:
    cpu = platform.processor()
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        names = [line.split(":", 1)[1].strip() for line in cpuinfo.read_text().splitlines()
                 if line.startswith("model name")]
        cpu = names[0] if names else cpu
    return {"cpu": cpu, "cpu_count": os.cpu_count(), "platform": platform.platform(),
            "python": platform.python_version(), "numpy": np.__version__,
            "csweep": csweep.__version__, "csweep_kernel": csweep.kernel_info()}


def pyrates_version() -> str:
    import pyrates  # noqa: PLC0415

    return getattr(pyrates, "__version__", "?")


def load_average() -> list[float] | None:
    """The 1, 5 and 15 minute load averages, where the system reports them."""
    try:
        return [round(value, 2) for value in os.getloadavg()]
    except (AttributeError, OSError):
        return None


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Time csweep (kernel alone and grid_search end to end) against the C speed "
                    "limit jr_limit.c on workload W, plus the official tutorial call. Prints "
                    "median wall times, ns per (set x step) and the ratio to the C limit.")
    parser.add_argument("--sizes", type=int, nargs="+", default=[6, 600, 6000], metavar="N",
                        help="numbers of parameter sets (default: 6 600 6000)")
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2],
                        help="thread counts for the C programs and csweep on workload W; the "
                             "tutorial call keeps csweep's default, all cores (default: 1 2)")
    parser.add_argument("--repeats", type=int, default=5,
                        help="timed runs of each contender at each N; medians are reported "
                             "(default: 5)")
    parser.add_argument("--build-dir", type=Path, metavar="PATH",
                        help="folder for the C programs built by build.sh (kept); default: a "
                             "temporary folder, removed at the end")
    parser.add_argument("--check-sets", type=int, default=600, metavar="N",
                        help="compare csweep's float64 result with the C programs' output on N "
                             "sets, untimed; 0 skips the check (default: 600)")
    parser.add_argument("--peak-rss-sets", type=int, default=6000, metavar="N",
                        help="measure the peak RSS of an N-set float32 sweep in a fresh process; "
                             "0 skips it (default: 6000)")
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write the results as JSON")
    parser.add_argument("--markdown", type=Path, metavar="PATH",
                        help="also write the tables as markdown (for benchmarks/README.md)")
    args = parser.parse_args(argv)
    if min(args.sizes) < 1 or min(args.threads) < 1 or args.repeats < 1 or args.check_sets < 0:
        parser.error("--sizes, --threads and --repeats must be positive, --check-sets >= 0")
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    info = machine()
    print(f"csweep {info['csweep']} (kernel {info['csweep_kernel']}), numpy {info['numpy']}, "
          f"{info['cpu']}, {info['cpu_count']} CPUs")
    print(f"workload W: Euler, dt={STEP_SIZE}, {N_STEPS} steps; threads={args.threads}, "
          f"repeats={args.repeats}, N in {args.sizes}")
    load_before = load_average()
    print(f"load average before: {load_before} (other work on the machine skews the timings)")

    with tempfile.TemporaryDirectory(prefix="csweep-bench-") as scratch:
        folder = args.build_dir or Path(scratch)
        folder.mkdir(parents=True, exist_ok=True)
        c_folder = build_c_limit(folder.resolve(), shared_input())
        if c_folder is not None:
            print(f"C limit built in {c_folder}")

        print("timing workload W ...")
        walls = benchmark(args.sizes, args.threads, args.repeats, c_folder)

        print("timing the tutorial call ...")
        noise = np.random.default_rng(0).uniform(120, 320, (N_STEPS, 1))
        tutorial_walls = [time_tutorial(noise) for _ in range(args.repeats)]
        pyrates_walls = time_pyrates_tutorial(noise, min(args.repeats, 3))
        memory = peak_rss(args.peak_rss_sets) if args.peak_rss_sets else None

        check = None
        if c_folder is not None and args.check_sets:
            print(f"checking csweep against the C limit on {args.check_sets} sets ...")
            check = check_against_c(c_folder, args.check_sets, max(args.threads))

    load_after = load_average()
    info["load_average"] = {"before": load_before, "after": load_after}
    rows = summarise(walls)
    print(f"load average after: {load_after}\n")
    print_table(rows)
    tutorial_median = statistics.median(tutorial_walls)
    tutorial = {"wall_s": tutorial_walls, "median_wall_s": tutorial_median,
                "ns_per_set_step": ns_per_set_step(tutorial_median, len(TUTORIAL_C))}
    print(f"\ntutorial call (6 sets, float32, all cores): median {tutorial_median:.3f} s "
          f"(min-max {min(tutorial_walls):.3f}-{max(tutorial_walls):.3f}), "
          f"{tutorial['ns_per_set_step']:.1f} ns/set-step")
    if pyrates_walls:
        tutorial["pyrates_wall_s"] = pyrates_walls
        tutorial["pyrates_median_wall_s"] = statistics.median(pyrates_walls)
        tutorial["speed_up_over_pyrates"] = tutorial["pyrates_median_wall_s"] / tutorial_median
        print(f"PyRates {pyrates_version()}: median {tutorial['pyrates_median_wall_s']:.2f} s; "
              f"csweep is {tutorial['speed_up_over_pyrates']:.0f}x faster")
    else:
        print("PyRates not importable: no PyRates timing (pip install pyrates==1.2.3 to add it)")
    if memory:
        print(f"peak RSS, {memory['n_sets']}-set float32 sweep in a fresh process: "
              f"{memory['peak_rss_MB']:.0f} MB ({memory['rss_before_call_MB']:.0f} MB before the "
              f"call); frame {memory['frame_MB']:.0f} MB; growth {memory['growth_over_frame']:.2f}x "
              "the frame")
    if check is not None:
        print(f"\ncheck on {check['n_sets']} sets, {check['samples_compared']} samples of V_e - V_i "
              f"(csweep float64 vs C dump):")
        for name in C_VARIANTS:
            result = check[name]
            print(f"  vs {name}: max |diff| {result['max_abs_diff_V']:.3g} V = "
                  f"{result['relative_to_range']:.3g} of the range {result['range_V']:.3g} V")
        verdict = "PASSED" if check["passed"] else "FAILED"
        print(f"  {verdict}: against the libm variant, tolerance {CHECK_RTOL:g} of the range")

    if args.json:
        settings = {"sizes": args.sizes, "threads": args.threads, "repeats": args.repeats,
                    "command": " ".join([Path(sys.executable).name, *sys.argv])}
        args.json.write_text(json.dumps({"machine": info, "settings": settings, "workload_w": rows,
                                         "tutorial": tutorial, "peak_rss": memory, "check": check},
                                        indent=2))
        print(f"\nresults written to {args.json}")
    if args.markdown:
        text = [f"Machine: {info['cpu']}, {info['cpu_count']} CPUs; csweep {info['csweep']}, "
                f"kernel {info['csweep_kernel']['simd']}; load average {load_before} before, "
                f"{load_after} after.", "", markdown_table(rows), "",
                f"Tutorial call end to end (6 sets, float32): csweep {tutorial_median * 1e3:.0f} ms"]
        if pyrates_walls:
            text[-1] += (f", PyRates {tutorial['pyrates_median_wall_s']:.2f} s: "
                         f"{tutorial['speed_up_over_pyrates']:.0f}x")
        if memory:
            text.append(f"Peak RSS, {memory['n_sets']} sets float32: {memory['peak_rss_MB']:.0f} MB, "
                        f"{memory['rss_before_call_MB']:.0f} MB before the call, frame "
                        f"{memory['frame_MB']:.0f} MB ({memory['growth_over_frame']:.2f}x)")
        args.markdown.write_text("\n".join(text) + "\n")
        print(f"tables written to {args.markdown}")
    return 0 if check is None or check["passed"] else 1


if __name__ == "__main__":
    sys.exit(main())
