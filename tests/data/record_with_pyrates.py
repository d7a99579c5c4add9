"""Record PyRates 1.2.3 on csweep's own test templates (with PyRates installed):

    /path/to/pyrates-venv/bin/python tests/data/record_with_pyrates.py

Each call is made from the folder of its template file (PyRates is given the file as
``"my_models/Column"``, its own form for a file path) and written to its own folder
(call.json, inputs.npz, results.npz) in the layout of the other recordings
(tests/data/README.md). Not run by the tests: they need no PyRates.
"""

import json
import os
import warnings
from pathlib import Path

import numpy as np

warnings.filterwarnings("ignore")
HERE = Path(__file__).parent
T, DT, DTS = 1.0, 1e-4, 1e-3
STEPS = round(T / DT)

ONE_EDGE = [("jrc1/pc/pro/m", "jrc2/pc/rpo_e_in/m_in")]
CALLS = {
    "pyrates_names_file/column": dict(
        description="Column of my_models.yaml (synapses and rate built on PyRates' "
                    "base_templates.alpha_op / sigmoid_op with replace: leaving r_in and r "
                    "unused, PyRates' rpo_i, pro and IN, prime notation); h of pc's synapse "
                    "and the slope of its rate swept pairwise, each set driven by its own "
                    "noise on pc/fast_exc/u",
        kwargs=dict(circuit_template="my_models/Column",
                    param_grid={"h": [2.8e-3, 3.0e-3, 3.2e-3], "s": [480.0, 500.0, 560.0]},
                    param_map={"h": {"vars": ["fast_exc/h"], "nodes": ["pc"]},
                               "s": {"vars": ["rate/s"], "nodes": ["pc"]}},
                    outputs={"v_exc": "pc/fast_exc/v", "v_inh": "pc/slow_inh/v",
                             "v_ein": "ein/own_exc/v", "v_iin": "iin/rpo_e/v"}),
        inputs={"pc/fast_exc/u": ("np.random.default_rng(16).uniform(120.0, 320.0, "
                                  "size=(10000, 3))")},
    ),
    "pyrates_names_file/column_plus": dict(
        description="ColumnPlus of my_models.yaml: Column inherited with PyRates' interneuron "
                    "operators listed with other defaults ({rpo_e: {tau: 7 ms}}) and one edge "
                    "added to the inherited ones; the added edge's weight swept",
        kwargs=dict(circuit_template="my_models/ColumnPlus",
                    param_grid={"w": [5.0, 15.0, 30.0]},
                    param_map={"w": {"vars": ["weight"],
                                     "edges": [("ein/pro/m", "iin/rpo_e/m_in")]}},
                    outputs={"v_exc": "pc/fast_exc/v", "v_iin": "iin/rpo_e/v"}),
        inputs={},
    ),
    "pyrates_names_file/pair": dict(
        description="Pair of my_models.yaml: the Column and PyRates' JRC (by its PyRates name) "
                    "coupled both ways through gamma-distributed delays; the weight of one "
                    "delayed edge swept (3 sets, so every delay chain carries 3 edges)",
        kwargs=dict(circuit_template="my_models/Pair",
                    param_grid={"w": [20.0, 30.0, 45.0]},
                    param_map={"w": {"vars": ["weight"],
                                     "edges": [("mine/pc/rate/m", "theirs/pc/rpo_e_in/m_in")]}},
                    outputs={"mine": "mine/pc/fast_exc/v", "theirs": "theirs/pc/rpo_e_in/v"}),
        inputs={},
    ),
    "pyrates_names_file/lumped": dict(
        description="Lumped of my_models.yaml: PyRates' jrc_op inherited with other defaults "
                    "(c = 150, tau_i = 18 ms); c swept",
        kwargs=dict(circuit_template="my_models/Lumped",
                    param_grid={"c": [68.0, 150.0, 270.0]},
                    param_map={"c": {"vars": ["my_jrc_op/c"], "nodes": ["jrc"]}},
                    outputs={"V_e": "jrc/my_jrc_op/V_e", "V_i": "jrc/my_jrc_op/V_i"}),
        inputs={},
    ),
    "single_edge_chain/alone": dict(
        description="OneEdge of one_edge.yaml: one gamma-delayed edge, its weight 160 run as "
                    "the only set (PyRates reads the chain without its one-step lag)",
        kwargs=dict(circuit_template="one_edge/OneEdge", param_grid={"w": [160.0]},
                    param_map={"w": {"vars": ["weight"], "edges": ONE_EDGE}},
                    outputs={"v2": "jrc2/pc/rpo_e_in/v"}),
        inputs={},
    ),
    "single_edge_chain/grid": dict(
        description="OneEdge of one_edge.yaml: the same set (weight 160) first in a grid of 3 "
                    "(the chain carries 3 edges: PyRates gives it its one-step lag)",
        kwargs=dict(circuit_template="one_edge/OneEdge", param_grid={"w": [160.0, 10.0, 300.0]},
                    param_map={"w": {"vars": ["weight"], "edges": ONE_EDGE}},
                    outputs={"v2": "jrc2/pc/rpo_e_in/v"}),
        inputs={},
    ),
}


def main():
    import pyrates  # noqa: PLC0415 (only where the recording is made)

    for name, call in CALLS.items():
        kwargs = dict(call["kwargs"], simulation_time=T, step_size=DT, sampling_step_size=DTS,
                      cutoff=0.0, solver="euler", float_precision="float64")
        arrays = {f"input_{i}": eval(code)  # noqa: S307 (our own generator expressions above)
                  for i, code in enumerate(call["inputs"].values())}
        inputs = {key: arrays[f"input_{i}"] for i, key in enumerate(call["inputs"])}
        folder = HERE / name
        os.chdir(folder.parent)
        results, results_map = pyrates.grid_search(**kwargs, inputs=dict(inputs) or None,
                                                    verbose=False)
        folder.mkdir(exist_ok=True)
        record = {"function": "pyrates.grid_search", "pyrates": pyrates.__version__,
                  "description": call["description"],
                  "kwargs": json.loads(json.dumps(kwargs))}
        if inputs:
            record["inputs"] = {key: f"<inputs.npz:input_{i}>" for i, key in enumerate(inputs)}
            record["input_arrays"] = {
                key: {"npz": "inputs.npz", "key": f"input_{i}", "shape": list(arrays[f"input_{i}"].shape),
                      "dtype": "float64", "generator": code}
                for i, (key, code) in enumerate(call["inputs"].items())}
            np.savez_compressed(folder / "inputs.npz", **arrays)
        (folder / "call.json").write_text(json.dumps(record, indent=1))
        np.savez_compressed(folder / "results.npz", values=results.to_numpy(),
                            index=results.index.to_numpy(),
                            # a single set's columns are flat in PyRates: stored as one level
                            columns=np.array([[c] if isinstance(c, str) else list(c)
                                              for c in results.columns], dtype=str),
                            map_index=np.array(results_map.index, dtype=str),
                            map_columns=np.array(results_map.columns, dtype=str),
                            map_values=results_map.to_numpy())
        print(name, results.shape)


if __name__ == "__main__":
    main()
