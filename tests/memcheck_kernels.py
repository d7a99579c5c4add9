"""Every entry point of csweep's compiled kernel on tiny sweeps, for a memory checker.

    valgrind --tool=memcheck ... python tests/memcheck_kernels.py     (.ci/memcheck valgrind)
    python tests/memcheck_kernels.py --report valgrind.xml            fail on csweep's errors

Not a pytest module (pytest collects test_*.py only): a plain script, small enough to run under
valgrind in a few minutes. It goes through the public API, csweep.grid_search, so the arrays are
the ones a real sweep hands the kernel (strided block views, per-set and shared inputs, generated
noise, initial and final states), and checks only that results are finite and that chained JRC2
runs equal one long run; the numbers themselves are the test suite's business.

Covered: JRC2 with each solver in float64 and float32 arithmetic and records, several blocks and
threads, partial tiles; networks (JRC, gamma-delayed JRC_2delaycoupled and its discrete-delay
variant) with each solver and record precision; noise.uniform and noise.normal, per set and
shared; initial_state and return_final_state; features without a stored time series; and direct
kernel calls for what grid_search never passes (no final state, strided parameter views),
exp/expf, jrc2_derivatives, and _noise's fill_noise (every build).
"""

import sys
import tempfile
import time
from pathlib import Path

import numpy as np

import csweep
from csweep import _integrate, _noise, noise
from csweep import features as F
from csweep.kernels import builds as _kernel

TIMES = dict(step_size=1e-4, simulation_time=0.01, sampling_step_size=5e-4)
N_STEPS = 100
JRC2_MAP = {"c": {"vars": ["jrc_op/c"], "nodes": ["jrc"]},
            "u": {"vars": ["jrc_op/u"], "nodes": ["jrc"]}}   # (grid_search takes the grid's keys)
C_MAP = {"c": JRC2_MAP["c"]}
JRC2_OUT = {"V_e": "jrc/jrc_op/V_e", "V_i": "jrc/jrc_op/V_i", "m": "jrc/jrc_op/m"}


def finite(result):
    frame = result[0]
    assert frame is None or np.isfinite(frame.to_numpy(np.float64)).all(), "non-finite records"
    if result.final_state is not None:
        assert np.isfinite(result.final_state.to_numpy()).all(), "non-finite final state"
    return result


SOLVERS = ("euler", "heun", "rk4")


def jrc2():
    # 11 sets: a full tile of 8 and a partial one; blocks of 5 give strided views into the frame
    c = np.linspace(68, 1350, 11)
    rng = np.random.default_rng(0)
    cases = {  # name: (grid, inputs)
        "swept u, per-set m_in array": ({"c": c, "u": np.linspace(120, 320, 11)},
                                        {"jrc/jrc_op/m_in": rng.uniform(0, 20, (N_STEPS, 11))}),
        "shared arrays": ({"c": c}, {"jrc/jrc_op/u": rng.uniform(120, 320, (N_STEPS, 1)),
                                     "jrc/jrc_op/m_in": rng.uniform(0, 20, N_STEPS)}),
        "noise": ({"c": c}, {"jrc/jrc_op/m_in": noise.uniform(0, 20, seed=1),
                             "jrc/jrc_op/u": noise.normal(220, 20, seed=2, per_set=False)}),
    }
    for solver in SOLVERS:
        for compute in ("float64", "float32"):
            for grid, given in cases.values():
                for record, block, threads in (("float64", None, 1), ("float32", 5, 2)):
                    finite(csweep.grid_search(
                        "JRC2", grid, {k: JRC2_MAP[k] for k in grid}, outputs=JRC2_OUT,
                        inputs=given, solver=solver, compute_precision=compute,
                        float_precision=record, block_size=block, n_threads=threads, **TIMES))
            # two chained runs equal one long run (initial_state / return_final_state)
            kw = dict(outputs=JRC2_OUT, solver=solver, compute_precision=compute,
                      float_precision="float64", step_size=1e-4, sampling_step_size=5e-4,
                      block_size=5, n_threads=2)
            u = rng.uniform(120, 320, (2 * N_STEPS, 11))
            long = finite(csweep.grid_search("JRC2", {"c": c}, C_MAP, simulation_time=0.02,
                                             inputs={"jrc/jrc_op/u": u}, **kw))
            first = finite(csweep.grid_search("JRC2", {"c": c}, C_MAP, simulation_time=0.01,
                                              inputs={"jrc/jrc_op/u": u[:N_STEPS]},
                                              return_final_state=True, **kw))
            second = finite(csweep.grid_search("JRC2", {"c": c}, C_MAP,
                                               simulation_time=0.01,
                                               inputs={"jrc/jrc_op/u": u[N_STEPS:]},
                                               initial_state=first.final_state, **kw))
            np.testing.assert_array_equal(np.vstack([first[0].to_numpy(), second[0].to_numpy()]),
                                          long[0].to_numpy())
    # solver="scipy": the adaptive kernel, with arrays and noise, blocks, continued runs, a set
    # that fails (its records are NaN by design, so not through finite())
    for grid, given in cases.values():
        finite(csweep.grid_search("JRC2", grid, {k: JRC2_MAP[k] for k in grid}, outputs=JRC2_OUT,
                                  inputs=given, solver="scipy", block_size=5, n_threads=2,
                                  return_final_state=True, **TIMES))
    import warnings  # noqa: PLC0415
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", csweep.DivergenceWarning)
        failing = csweep.grid_search("JRC2", {"c": [135.0, 1e300, 1e308]}, C_MAP,
                                     outputs=JRC2_OUT, solver="scipy", rtol=1e-6,
                                     float_precision="float64", **TIMES)
    assert list(failing.solver_stats["status"])[0] == "ok"
    # features only: no frame, the records go to a scratch block per block of sets
    lean = finite(csweep.grid_search(
        "JRC2", {"c": c}, C_MAP, outputs=JRC2_OUT, keep_timeseries=False, block_size=4,
        features={"ptp": F.peak_to_peak("V_e - V_i"), "mean": F.mean("m")}, cutoff=0.002,
        inputs={"jrc/jrc_op/m_in": noise.uniform(0, 20)}, **TIMES))
    assert lean[0] is None and np.isfinite(lean.features[["ptp", "mean"]].to_numpy()).all()


def networks(folder: Path):
    source = Path(csweep.load_template("JRC_2delaycoupled").file).read_text()
    discrete = folder / "discrete.yaml"
    discrete.write_text(source.replace("spread: 1e-3", "spread: null"))
    edge = ["jrc1/pc/pro/m", "jrc2/pc/rpo_e_in/m_in"]
    coupled = dict(param_grid={"h": [3e-3, 3.25e-3, 3.5e-3], "d": [2e-3, 4e-3, 1.1e-3]},
                   param_map={"h": {"vars": ["rpo_e_in/h"], "nodes": ["jrc1/pc"]},
                              "d": {"vars": ["delay"], "edges": [edge]}},
                   outputs={"v1": "jrc1/pc/rpo_e_in/v", "m2": "jrc2/pc/pro/m"})
    cases = {
        "JRC": dict(param_grid={"w": [100.0, 135.0, 300.0]},
                    param_map={"w": {"vars": ["weight"], "edges": [("pc/pro/m", "ein/rpo_e/m_in")]}},
                    outputs={"v": "pc/rpo_e_in/v", "m": "pc/pro/m"}, input="pc/rpo_e_in/u"),
        "JRC_2delaycoupled": dict(coupled, input="jrc1/pc/rpo_e_in/u"),
        f"{discrete}:JRC_2delaycoupled": dict(coupled, input="jrc1/pc/rpo_e_in/u"),
    }
    # A network call spends ~0.2 s in Python setting up (10-25 s under valgrind) and microseconds
    # in the kernel, so the options rotate over the runs instead of being crossed: per template,
    # one run per solver, each but the first continuing from the state the previous one ended in.
    rng = np.random.default_rng(3)
    inputs = (rng.uniform(120, 320, (N_STEPS, 3)), noise.uniform(120, 320, seed=4),
              rng.uniform(120, 320, N_STEPS), noise.normal(220, 20, seed=5, per_set=False), None)
    k = 0
    for template, case in cases.items():
        case = dict(case)
        path = case.pop("input")
        state = None
        adaptive = ("scipy",) if template != f"{discrete}:JRC_2delaycoupled" else ()
        for solver in (*SOLVERS, *adaptive):
            given = inputs[k % len(inputs)]
            record, block, threads = (("float64", None, 1), ("float32", 2, 2))[k % 2]
            k += 1
            state = finite(csweep.grid_search(
                template, **case, inputs=None if given is None else {path: given}, solver=solver,
                float_precision=record, block_size=block, n_threads=threads, initial_state=state,
                return_final_state=True, **TIMES)).final_state
    lean = finite(csweep.grid_search(
        f"{discrete}:JRC_2delaycoupled", **coupled, keep_timeseries=False,
        features={"mean": F.mean("v1")}, inputs={"jrc1/pc/rpo_e_in/u": noise.uniform(120, 320)},
        block_size=2, **TIMES))
    assert lean[0] is None and np.isfinite(lean.features["mean"]).all()


def direct_calls():
    """What grid_search never passes: y_init/y_final of shape (0, 0) and views with a stride."""
    params = np.tile(np.array([[3.25e-3, 10e-3, 22e-3, 20e-3, 5.0, 560.0, 6e-3, 135.0, 4.0, 3.0]]).T,
                     (1, 22))[:, ::2]                       # 11 sets, every other column
    u = np.random.default_rng(6).uniform(120, 320, (N_STEPS, 22))[:, 1::2]
    none = np.empty((0, 0))
    for module in {_kernel.kernel, _kernel.single_kernel, _integrate}:
        for single in (False, True):
            for dtype in (np.float64, np.float32):
                for solver in range(3):
                    out = np.full((N_STEPS // 5, 2, 22), np.nan, dtype)[:, :, ::2]
                    module.integrate_jrc2(params, u, np.zeros((1, 1)), np.array([4, 8], np.intc),
                                          out, none, none, 5, 0, N_STEPS, solver, 1e-4, 2, single)
                    assert np.isfinite(out).all()
    assert abs(_integrate.exp(1.0) - np.e) < 1e-15 and abs(_integrate.expf(1.0) - np.e) < 1e-6
    y = np.random.default_rng(7).uniform(-0.01, 0.01, (8, 22))[:, ::2]
    derivatives = _integrate.jrc2_derivatives(params, y, u[0], np.zeros(11))
    assert derivatives.shape == (9, 11) and np.isfinite(derivatives).all()
    streams = np.array([0, 1, _noise.SHARED_STREAM], np.uint64)
    per_set = (np.array([1.0, 2.0, 3.0]), np.array([4.0, 5.0, 6.0]))
    for module in {_noise, _kernel.noise_kernel}:
        for kind in (0, 1):
            out = np.empty((N_STEPS, 3))
            module.fill_noise(out, streams, 7, 10, kind, 1.0, 2.0, 2)
            assert np.isfinite(out).all()
            # fills starting and stopping inside a group of 4 steps (up to 3 scratch rows)
            for first, steps in ((1, 1), (5, 2), (6, 7), (3, 70)):
                out = np.empty((steps, 3))
                module.fill_noise(out, streams, 7, first, kind, 1.0, 2.0, 2, *per_set)
                assert np.isfinite(out).all()


def report(path: str) -> int:
    """Exit status for valgrind's XML file: 1 when an error's stack (or the origin of an
    uninitialised value) passes through csweep's extension, else 0. Every error is summarised;
    frames in Cython's C are mapped to their .pyx line where the generated C is at hand."""
    import re
    import xml.etree.ElementTree as ET

    sources = {}

    def where(frame):
        fn, obj = frame.findtext("fn") or "?", frame.findtext("obj") or "?"
        file, line = frame.findtext("file"), frame.findtext("line")
        if not file:
            return f"{fn} ({obj})"
        place = f"{file}:{line}"
        c_file = Path(frame.findtext("dir") or "", file)
        if c_file.suffix == ".c" and c_file.is_file():
            if c_file not in sources:
                sources[c_file] = c_file.read_text(errors="replace").splitlines()
            for text in reversed(sources[c_file][:int(line)]):
                found = re.search(r'/\* "([^"]+\.(?:pyx|pxd))":(\d+)', text)
                if found:
                    place += f", {found[1]}:{found[2]}"
                    break
        return f"{fn} ({place})"

    root = ET.parse(path).getroot()
    ours = foreign = 0
    for error in root.iter("error"):
        frames = list(error.iter("frame"))
        # csweep's extension: any of its compiled modules (csweep/_integrate*.so, _network,
        # _dopri, _noise)
        mine = any("csweep/_" in (f.findtext("obj") or "") for f in frames)
        ours += mine
        foreign += not mine
        what = error.findtext("what") or error.findtext("xwhat/text") or error.findtext("kind")
        print(f"{'CSWEEP' if mine else 'other'} error: {error.findtext('kind')}: {what}")
        for frame in frames[:25 if mine else 6]:
            print(f"    {where(frame)}")
    # valgrind writes a status when it starts and another when the program has ended
    status = [s.findtext("state") for s in root.iter("status")][-1]
    print(f"memcheck: {path}: {ours} error(s) in csweep's extension, {foreign} elsewhere "
          f"(not csweep's; not failing); valgrind state {status}")
    return 1 if ours or status != "FINISHED" else 0


def main():
    if sys.argv[1:2] == ["--report"]:
        sys.exit(report(sys.argv[2]))
    started = time.perf_counter()
    print(f"memcheck_kernels: csweep {csweep.__version__}, {csweep.kernel_info()}", flush=True)
    with tempfile.TemporaryDirectory() as folder:
        for name, part in (("JRC2", jrc2), ("networks", lambda: networks(Path(folder))),
                           ("direct kernel calls", direct_calls)):
            part()
            print(f"memcheck_kernels: {name} done at {time.perf_counter() - started:.1f} s",
                  flush=True)
    print("memcheck_kernels: all kernel entry points ran", flush=True)


if __name__ == "__main__":
    main()
