"""Records the PyRates 1.2.3 calls behind issue 25's tests: PyRates' one-simulation workflows
(run with PyRates installed, from a scratch folder: PyRates writes its generated files there).

    cd /some/scratch && python /path/to/tests/data/recorders/record_pyrates_workflows.py

Cases (folders next to ``recorders/``, each a ``call.json`` and a ``results.npz``):

- ``run_jrc_float64``: ``CircuitTemplate.from_yaml("...JRC").run(...)``, 1 s, Euler, float64,
  the pyramidal cells' two potentials, driven by seeded uniform(120, 320) noise on
  ``pc/rpo_e_in/u`` (``inputs.npz``), cutoff 0.1 s.
- ``integrate_jrc2_float64``: ``integrate("...JRC2", ...)``, 1 s, Euler, float64, ``clear=True``.
- ``update_var_nodes_float64``: JRC with ``update_var(node_vars={"pc/pro/s": 400.0,
  "ein/rpo_e/h": 3.5e-3})`` then ``run``.
- ``update_var_edges_float64``: JRC with ``update_var(edge_vars=[("pc/pro/m", "ein/rpo_e/m_in",
  {"weight": 160.0})])`` then ``run``; ``edges.json`` holds the circuit's edges as PyRates
  lists them afterwards.
- ``dop853_default``: JRC2 with ``solver="scipy", method="DOP853"`` at solve_ivp's default
  tolerances, 1 s, PyRates' default ``float_precision`` (float32 parameters; its solve_ivp path
  integrates in float64). The tests measure PyRates' error against a tight solution.
- ``intro_jrc_scipy``: the Jansen-Rit introduction's ``JRC.run(..., solver="scipy")``, 2 s,
  RK45 at solve_ivp's defaults, PyRates' default float32.
- ``notebook_grid_float32`` and ``notebook_grid_float64``: the "PyRates basics" notebook's grid
  search of JRC's four edge weights (C = 68 ... 1350 scaled as there) with seeded noise, 2 s,
  at both precisions, after the notebook's ``update_var(node_vars={"pc/pro/s": 400.0})`` on the
  cached template (which PyRates' grid_search of the template's name then runs; see
  docs/migration.md).
- ``notebook_ccm_euler`` and ``notebook_ccm_dop853``: the notebook's ``ccm.run`` (two JRCs,
  changed by its ``update_var`` calls, coupled both ways), 2 s, Euler and ``solver="scipy",
  method="DOP853"``, PyRates' default float32.
- ``run_func_jrc``: ``get_run_func`` of JRC (vectorize=True, solver="scipy"): the state map, the
  argument names, and the vector field at 5 seeded random states (``dy.npz``), PyRates' float32
  arguments; and ``solve_ivp(func, (t0, 2.0), y0, args=func_args)`` as the notebook calls it
  (RK45 at solve_ivp's defaults).
"""

import json
from pathlib import Path

import numpy as np
from pyrates import CircuitTemplate, clear_frontend_caches, grid_search, integrate

HERE = Path(__file__).resolve().parent.parent
JR = "model_templates.neural_mass_models.jansenrit"
PSP = {"psp_e": "pc/rpo_e_in/v", "psp_i": "pc/rpo_i/v"}
COLUMN = {"V_pce": "jrc/jrc_op/V_e", "V_pci": "jrc/jrc_op/V_i"}
TIME = dict(simulation_time=1.0, step_size=1e-4, sampling_step_size=1e-3, verbose=False)


def save(name, description, kwargs, frame, extra=None, arrays=None):
    folder = HERE / name
    folder.mkdir(exist_ok=True)
    call = {"description": description, "kwargs": kwargs, **(extra or {})}
    (folder / "call.json").write_text(json.dumps(call, indent=1))
    np.savez_compressed(folder / "results.npz", values=frame.to_numpy(),
                        index=frame.index.to_numpy(),
                        columns=np.array([[str(x) for x in np.atleast_1d(c)]
                                          for c in frame.columns]))
    if arrays:
        np.savez_compressed(folder / "inputs.npz", **arrays)


def run_cases():
    noise = np.random.default_rng(25).uniform(120.0, 320.0, (10000, 1))
    clear_frontend_caches()
    kwargs = dict(TIME, outputs=PSP, float_precision="float64", cutoff=0.1)
    res = CircuitTemplate.from_yaml(f"{JR}.JRC").run(inputs={"pc/rpo_e_in/u": noise.copy()},
                                                      **kwargs)
    save("run_jrc_float64", "JRC.run with noise on pc/rpo_e_in/u", dict(kwargs, inputs={
        "pc/rpo_e_in/u": "noise"}), res, arrays={"noise": noise})

    clear_frontend_caches()
    kwargs = dict(TIME, outputs=COLUMN, float_precision="float64", clear=True)
    save("integrate_jrc2_float64", "integrate('...JRC2', ...)", kwargs,
         integrate(f"{JR}.JRC2", **kwargs))

    clear_frontend_caches()
    node_vars = {"pc/pro/s": 400.0, "ein/rpo_e/h": 3.5e-3}
    jrc = CircuitTemplate.from_yaml(f"{JR}.JRC")
    jrc.update_var(node_vars=node_vars)
    kwargs = dict(TIME, outputs=PSP, float_precision="float64")
    save("update_var_nodes_float64", "JRC after update_var(node_vars=...)", kwargs,
         jrc.run(**kwargs), {"node_vars": node_vars})

    clear_frontend_caches()
    edge_vars = [["pc/pro/m", "ein/rpo_e/m_in", {"weight": 160.0}]]
    jrc = CircuitTemplate.from_yaml(f"{JR}.JRC")
    jrc.update_var(edge_vars=[tuple(e) for e in edge_vars])
    edges = [[s, t, tpl, dict(d)] for s, t, tpl, d in jrc.edges]
    save("update_var_edges_float64", "JRC after update_var(edge_vars=...)", kwargs,
         jrc.run(**kwargs), {"edge_vars": edge_vars, "edges": edges})


def dop853_cases():
    # At solve_ivp's default tolerances, as PyRates' documentation calls it. No tight
    # recording: in float64 PyRates' solve_ivp keeps the generated function's dy buffer, not a
    # copy (a run at rtol 1e-12 is off by up to 8.5e-5 of the range, as described for
    # e_scipy_tight_noinput_T2_float64 in tests/data/README.md), and in float32 the rounded
    # vector field keeps rtol 1e-12 out of reach (the run did not end within 15 minutes)
    for name, extra in (("dop853_default", {}),):
        clear_frontend_caches()
        kwargs = dict(TIME, outputs=COLUMN, solver="scipy", method="DOP853", **extra)
        save(name, "JRC2.run with solver='scipy', method='DOP853'", kwargs,
             CircuitTemplate.from_yaml(f"{JR}.JRC2").run(**kwargs))


def intro_case():
    # the Jansen-Rit introduction's run: the network, solver="scipy" at its defaults
    clear_frontend_caches()
    kwargs = dict(simulation_time=2.0, step_size=1e-4, sampling_step_size=1e-3,
                  outputs={"V_pce": "pc/rpo_e_in/v", "V_pci": "pc/rpo_i/v"}, backend="default",
                  solver="scipy", verbose=False)
    save("intro_jrc_scipy", "the Jansen-Rit introduction's JRC.run, solver='scipy' (RK45 at "
         "solve_ivp's defaults, PyRates' default float32)", kwargs,
         CircuitTemplate.from_yaml(f"{JR}.JRC").run(**kwargs))


def notebook_grid_cases():
    noise = np.random.default_rng(2025).uniform(120.0, 320.0, (20000, 1))
    c = np.array([68.0, 128.0, 135.0, 270.0, 675.0, 1350.0])
    grid = {"PC_EIN": c, "EIN_PC": 0.8 * c, "PC_IIN": 0.25 * c, "IIN_PC": -0.25 * c}
    edges = {"PC_EIN": ("pc/pro/m", "ein/rpo_e/m_in"), "EIN_PC": ("ein/pro/m", "pc/rpo_e_in/m_in"),
             "PC_IIN": ("pc/pro/m", "iin/rpo_e/m_in"), "IIN_PC": ("iin/pro/m", "pc/rpo_i/m_in")}
    param_map = {k: {"vars": ["weight"], "edges": [e]} for k, e in edges.items()}
    for precision in ("float32", "float64"):
        clear_frontend_caches()
        CircuitTemplate.from_yaml(f"{JR}.JRC").update_var(node_vars={"pc/pro/s": 400.0})
        kwargs = dict(param_grid={k: v.tolist() for k, v in grid.items()}, param_map=param_map,
                      outputs=PSP, step_size=1e-4, simulation_time=2.0, sampling_step_size=1e-3,
                      cutoff=1.0, float_precision=precision, verbose=False)
        results, _ = grid_search(f"{JR}.JRC", inputs={"pc/rpo_e_in/u": noise.copy()}, **kwargs)
        save(f"notebook_grid_{precision}", "the notebook's grid search, after its update_var "
             "of pc/pro/s on the cached JRC", dict(kwargs, inputs={"pc/rpo_e_in/u": "noise"},
                                                   circuit_template=f"{JR}.JRC"),
             results, {"update_var_before": {"pc/pro/s": 400.0}}, arrays={"noise": noise})


def notebook_ccm_cases():
    # the notebook's two coupled columns, built from the JRC its update_var calls changed
    clear_frontend_caches()
    jrc = CircuitTemplate.from_yaml(f"{JR}.JRC")
    jrc.update_var(node_vars={"pc/pro/s": 400.0})
    jrc.update_var(edge_vars=[("pc/pro/m", "ein/rpo_e/m_in", {"weight": 160.0})])
    edges = [["jrc1/pc/pro/m", "jrc2/pc/rpo_e_in/m_in", None, {"weight": 40.0}],
             ["jrc2/pc/pro/m", "jrc1/pc/rpo_e_in/m_in", None, {"weight": 20.0}]]
    ccm = CircuitTemplate(name="ccm", circuits={"jrc1": jrc, "jrc2": jrc},
                          edges=[tuple(e) for e in edges])
    outputs = {"jrc1": "jrc1/pc/rpo_e_in/v", "jrc2": "jrc2/pc/rpo_e_in/v"}
    base = dict(simulation_time=2.0, step_size=1e-4, sampling_step_size=1e-3, cutoff=0.1,
                outputs=outputs, backend="default", vectorize=True, clear=True, in_place=False,
                verbose=False)
    for name, extra in (("notebook_ccm_euler", {}),
                        ("notebook_ccm_dop853", dict(solver="scipy", method="DOP853"))):
        kwargs = dict(base, **extra)
        save(name, "the notebook's ccm.run (JRC with pc/pro/s = 400 and the pc -> ein weight "
             "160, two columns coupled both ways)", kwargs, ccm.run(**kwargs),
             {"circuit_edges": edges, "update_var": {"node_vars": {"pc/pro/s": 400.0},
                                                     "edge_vars": [["pc/pro/m", "ein/rpo_e/m_in",
                                                                    {"weight": 160.0}]]}})


def run_func_case():
    from scipy.integrate import solve_ivp
    clear_frontend_caches()
    jrc = CircuitTemplate.from_yaml(f"{JR}.JRC")
    func, args, names, state_map = jrc.get_run_func(func_name="jrc_run", file_name="jrc1",
                                                    step_size=1e-4, backend="default",
                                                    vectorize=True, solver="scipy")
    t0, y0, *func_args = args
    states = np.random.default_rng(7).normal(0.0, 0.01, (5, len(y0)))
    dy = np.array([np.array(func(0.0, y.copy(), *func_args), dtype=np.float64) for y in states])
    sol = solve_ivp(func, (t0, 2.0), y0, args=func_args)
    folder = HERE / "run_func_jrc"
    folder.mkdir(exist_ok=True)
    (folder / "call.json").write_text(json.dumps({
        "description": "JRC.get_run_func(func_name='jrc_run', file_name='jrc1', step_size=1e-4, "
                       "backend='default', vectorize=True, solver='scipy'); dy at seeded states; "
                       "solve_ivp(func, (t0, 2.0), y0, args=func_args)",
        "arg_names": list(names), "state_map": {k: v if isinstance(v, int) else list(v)
                                                 for k, v in state_map.items()}}, indent=1))
    np.savez_compressed(folder / "dy.npz", states=states, dy=dy, y0=np.asarray(y0, float),
                        t=sol.t, y=sol.y)


if __name__ == "__main__":
    run_cases()
    dop853_cases()
    intro_case()
    notebook_grid_cases()
    notebook_ccm_cases()
    run_func_case()
