"""Records the PyRates 1.2.3 calls behind issue 16's Python-API tests (run with PyRates installed).

    python tests/data/recorders/record_circuit_api.py     # writes the case folders next to this one

Cases (float64, Euler, so that csweep can be held to rounding):

- ``initial_values_jrc2_float64``: JRC2 with the initial value of ``jrc_op/V_e`` and the
  connectivity ``c`` swept together (cutoff 0, so the first row is the state at t = 0).
- ``initial_values_jrc_float64``: the 3-population JRC with the initial values of
  ``pc/rpo_e_in/v`` and ``ein/rpo_e/x`` swept (``iin`` shares ``ein``'s operator template and
  keeps its rest state).
- ``circuit_matrix_gamma_float64``: four JRC columns built in Python from PyRates' operator
  templates (``NodeTemplate``, ``CircuitTemplate(nodes=..., edges=...)``, then
  ``CircuitTemplate(circuits=...)``), joined pyramidal rate -> pyramidal excitatory input by
  ``add_edges_from_matrix`` with a weight, a delay and a spread matrix (indexed [target, source];
  one zero weight leaves its edge out), ``h`` of every pyramidal cell swept (2 sets).
  ``single_set.npz``: the first set run alone, where PyRates 1.2.3 reads the gamma chains that
  carry a single edge without the one-step lag they have in a grid.
- ``circuit_matrix_discrete_float64``: the same network with the delay matrix alone (discrete
  delays). PyRates delays every undelayed edge leaving a node that feeds a delayed edge by one
  step; the columns' pc -> ein and pc -> iin edges are therefore given that step explicitly
  (``delay: step_size``), so that the circuit csweep is given is the one PyRates ran.

The networks' matrices are stored in ``circuit.npz``; ``call.json``'s ``circuit`` entry says how
the circuit was built (the tests build the same one with csweep's API).
"""

import json
from pathlib import Path

import numpy as np
from pyrates import CircuitTemplate, NodeTemplate, OperatorTemplate, grid_search

HERE = Path(__file__).resolve().parent.parent
JR = "model_templates.neural_mass_models.jansenrit"
BASE = dict(step_size=1e-4, sampling_step_size=1e-3, solver="euler", float_precision="float64",
            backend="default", verbose=False)

W = np.array([[0.0, 12.0, 0.0, 6.0],      # row = target column, column = source column
              [20.0, 0.0, 9.0, 0.0],
              [5.0, 15.0, 0.0, 30.0],
              [0.0, 8.0, 25.0, 0.0]])
D = np.array([[0.0, 4e-3, 0.0, 6e-3],
              [3e-3, 0.0, 5e-3, 0.0],
              [8e-3, 2e-3, 0.0, 4e-3],
              [0.0, 7e-3, 3e-3, 0.0]])
S = np.where(D > 0, D / 4.0, 0.0)        # (delay/spread)^2 = 16 stages on every delayed edge
S[2, 0] = 8e-3 / 2.0                     # 4 stages on one edge


def save(name, description, kwargs, results, results_map, circuit=None, arrays=None):
    folder = HERE / name
    folder.mkdir(exist_ok=True)
    call = {"description": description, "kwargs": kwargs}
    if circuit is not None:
        call["circuit"] = circuit
    (folder / "call.json").write_text(json.dumps(call, indent=1))
    np.savez_compressed(
        folder / "results.npz", values=results.to_numpy(), index=results.index.to_numpy(),
        columns=np.array([[str(x) for x in c] for c in results.columns]),
        map_index=np.array([str(i) for i in results_map.index]),
        map_columns=np.array([str(c) for c in results_map.columns]),
        map_values=results_map.to_numpy())
    if arrays:
        np.savez_compressed(folder / "circuit.npz", **arrays)


def record(name, description, template, kwargs, circuit=None, arrays=None):
    results, results_map = grid_search(template, **dict(BASE, **kwargs))
    save(name, description, dict(BASE, circuit_template=template if isinstance(template, str)
                                 else None, **kwargs), results, results_map, circuit, arrays)


def column(intra_delay=None):
    op = {n: OperatorTemplate.from_yaml(f"{JR}.{n}") for n in ("rpo_e_in", "rpo_e", "rpo_i", "pro")}
    pc = NodeTemplate("PC", operators=[op["rpo_e_in"], op["rpo_i"], op["pro"]])
    inn = NodeTemplate("IN", operators=[op["rpo_e"], op["pro"]])
    extra = {} if intra_delay is None else {"delay": intra_delay}
    edges = [("pc/pro/m", "ein/rpo_e/m_in", None, {"weight": 135.0, **extra}),
             ("pc/pro/m", "iin/rpo_e/m_in", None, {"weight": 33.75, **extra}),
             ("ein/pro/m", "pc/rpo_e_in/m_in", None, {"weight": 108.0}),
             ("iin/pro/m", "pc/rpo_i/m_in", None, {"weight": 33.75})]
    return CircuitTemplate("col", nodes={"pc": pc, "ein": inn, "iin": inn}, edges=edges)


def network(spread: bool):
    col = column(None if spread else BASE["step_size"])
    names = [f"c{i}" for i in range(4)]
    net = CircuitTemplate("net", circuits={n: col for n in names})
    attr = {"delay": D, "spread": S} if spread else {"delay": D}
    net.add_edges_from_matrix("pc/pro/m", "pc/rpo_e_in/m_in", source_nodes=names, weight=W,
                              edge_attr=attr)
    return net, names


def main():
    record("initial_values_jrc2_float64",
           "PyRates 1.2.3 (recorded for csweep's tests): JRC2 with the initial value of jrc_op/V_e "
           "and c swept pairwise; cutoff 0, so the first row is the state at t = 0",
           f"{JR}.JRC2",
           dict(param_grid={"V0": [0.0, 4e-3, -2e-3], "C": [135.0, 270.0, 135.0]},
                param_map={"V0": {"vars": ["jrc_op/V_e"], "nodes": ["jrc"]},
                           "C": {"vars": ["jrc_op/c"], "nodes": ["jrc"]}},
                simulation_time=0.5, outputs={"V_e": "jrc/jrc_op/V_e", "V_i": "jrc/jrc_op/V_i"}))
    record("initial_values_jrc_float64",
           "PyRates 1.2.3 (recorded for csweep's tests): the 3-population JRC with the initial "
           "values of pc/rpo_e_in/v and ein/rpo_e/x swept pairwise; cutoff 0",
           f"{JR}.JRC",
           dict(param_grid={"v0": [0.0, 2e-3, 5e-3], "x0": [0.0, 0.1, -0.2]},
                param_map={"v0": {"vars": ["rpo_e_in/v"], "nodes": ["pc"]},
                           "x0": {"vars": ["rpo_e/x"], "nodes": ["ein"]}},
                simulation_time=0.5,
                outputs={"v_pce": "pc/rpo_e_in/v", "v_ein": "ein/rpo_e/v", "v_iin": "iin/rpo_e/v"}))
    for spread in (True, False):
        net, names = network(spread)
        kind = "gamma" if spread else "discrete"
        arrays = {"weight": W, "delay": D, **({"spread": S} if spread else {})}
        circuit = {
            "name": "net",
            "columns": names,
            "column": ("nodes pc = PC(rpo_e_in, rpo_i, pro), ein = iin = IN(rpo_e, pro) from "
                       f"{JR}'s operator templates; JRC's four edges"
                       + ("" if spread else ", pc -> ein and pc -> iin with delay step_size")),
            "add_edges_from_matrix": {"source_var": "pc/pro/m", "target_var": "pc/rpo_e_in/m_in",
                                      "source_nodes": names, "weight": "<circuit.npz:weight>",
                                      "edge_attr": {k: f"<circuit.npz:{k}>" for k in arrays
                                                    if k != "weight"}},
        }
        record(f"circuit_matrix_{kind}_float64",
               f"PyRates 1.2.3 (recorded for csweep's tests): four JRC columns built with "
               f"CircuitTemplate and joined by add_edges_from_matrix ({kind} delays); h of "
               "every pyramidal cell swept",
               net,
               dict(param_grid={"h": [3.25e-3, 3.5e-3]},
                    param_map={"h": {"vars": ["rpo_e_in/h"], "nodes": [f"{n}/pc" for n in names]}},
                    simulation_time=1.0, cutoff=0.2,
                    outputs={f"v{i}": f"{n}/pc/rpo_e_in/v" for i, n in enumerate(names)}),
               circuit, arrays)
        if spread:    # the same network alone: PyRates reads single-edge gamma chains unlagged
            net, names = network(spread)
            alone, _ = grid_search(net, **dict(
                BASE, param_grid={"h": [3.25e-3]}, simulation_time=1.0, cutoff=0.2,
                param_map={"h": {"vars": ["rpo_e_in/h"], "nodes": [f"{n}/pc" for n in names]}},
                outputs={f"v{i}": f"{n}/pc/rpo_e_in/v" for i, n in enumerate(names)}))
            np.savez_compressed(HERE / f"circuit_matrix_{kind}_float64" / "single_set.npz",
                                values=alone.to_numpy(), columns=np.array(list(alone.columns)))


if __name__ == "__main__":
    main()
