"""csweep.equilibria and csweep.bifurcations against an independent analysis of the column.

The reference below is written from the Jansen-Rit equations alone (PyRates' constants): the
equilibria parametrised by the pyramidal potential y (the input u is explicit in y), the folds
as the zeros of du/dy, the Hopf points as the zeros of the real part of the Jacobian's complex
eigenvalue pair along the branch, each found by scipy's brentq; derivatives by the complex step
(exact to rounding), so no tolerance of the reference is a finite-difference error. None of it
calls csweep's solver.
"""

import numpy as np
import pandas as pd
import pytest

import csweep

brentq = pytest.importorskip("scipy.optimize", reason="the reference analysis needs scipy").brentq

Q = dict(h_e=3.25e-3, tau_e=10e-3, h_i=22e-3, tau_i=20e-3, m_max=5.0, r=560.0, V_thr=6e-3,
         c=135.0)
JRC2_MAP = {"u": {"vars": ["jrc_op/u"], "nodes": ["jrc"]}}
JRC_MAP = {"u": {"vars": ["rpo_e_in/u"], "nodes": ["pc"]}}
#: literature values (Grimbert & Faugeras 2006; PyCoBi's Jansen-Rit example), to 2 decimals
LITERATURE = {"fold": (-41.30, 113.59), "hopf": (-12.15, 89.83, 315.70)}


def S(v):
    return Q["m_max"] / (1 + np.exp(-Q["r"] * (v - Q["V_thr"])))


def rest_state(y):
    """The column's state at rest with V_e - V_i = y, and the input u that holds it there."""
    he, te, hi, ti, c = Q["h_e"], Q["tau_e"], Q["h_i"], Q["tau_i"], Q["c"]
    v_ein, v_iin = he * te * c * S(y), he * te * c / 4 * S(y)
    v_i = hi * ti * c / 4 * S(v_iin)
    u = (y + v_i) / (he * te) - 0.8 * c * S(v_ein)
    zero = 0 * y
    return np.array([v_ein, zero, v_iin, zero, y + v_i, zero, v_i, zero]), u


def rhs(s, u):
    he, te, hi, ti, c = Q["h_e"], Q["tau_e"], Q["h_i"], Q["tau_i"], Q["c"]
    v_ein, x_ein, v_iin, x_iin, v_e, x_e, v_i, x_i = s
    m = S(v_e - v_i)
    return np.array([x_ein, he * c / te * m - v_ein / te**2 - 2 * x_ein / te,
                     x_iin, he * c / (4 * te) * m - v_iin / te**2 - 2 * x_iin / te,
                     x_e, he / te * (0.8 * c * S(v_ein) + u) - v_e / te**2 - 2 * x_e / te,
                     x_i, hi * c / (4 * ti) * S(v_iin) - v_i / ti**2 - 2 * x_i / ti])


def eigenvalues(y):
    s, u = rest_state(y)
    h = 1e-30     # complex step: the Jacobian's columns exact to rounding
    J = np.column_stack([np.imag(rhs(s + 1j * h * e, u)) / h for e in np.eye(8)])
    return np.linalg.eigvals(J)


def du_dy(y):
    return np.imag(rest_state(y + 1e-30j)[1]) / 1e-30


def pair_real(y):
    """Real part of the complex pair nearest the imaginary axis (imaginary part > 1 rad/s)."""
    ev = eigenvalues(y)
    ev = ev[np.abs(ev.imag) > 1.0]
    return ev[np.argmin(np.abs(ev.real))].real


def zeros(f, ys):
    values = np.array([f(y) for y in ys])
    change = np.flatnonzero(np.sign(values[:-1]) != np.sign(values[1:]))
    return [brentq(f, ys[k], ys[k + 1], xtol=1e-17, rtol=8.9e-16) for k in change]


@pytest.fixture(scope="module")
def reference():
    ys = np.linspace(-0.006, 0.0125, 4001)
    folds = sorted(rest_state(y)[1] for y in zeros(du_dy, ys))
    hopf_y = [y for y in zeros(pair_real, ys)
              if abs(pair_real(y)) < 1e-6]          # a crossing, not a pair turning real
    hopfs = sorted(rest_state(y)[1] for y in hopf_y)
    return {"fold": folds, "hopf": hopfs, "ys": ys}


def reference_equilibria(u, ys):
    """Every equilibrium at input u: (state, stable) by brentq on u(y) - u."""
    found = []
    for y in zeros(lambda y: rest_state(y)[1] - u, ys):
        found.append((rest_state(y)[0], bool(eigenvalues(y).real.max() < 0)))
    return found


@pytest.mark.parametrize("template,param_map", [("JRC2", JRC2_MAP), ("JRC", JRC_MAP)])
def test_folds_and_hopf_points_match_the_reference(template, param_map, reference):
    """Exactly 2 folds and 3 Hopf points on -60..420 Hz, each within 1e-6 Hz of the reference
    (the issue asks 1e-4; both sides are refined to ~1e-10), and within 0.01 Hz of the
    literature's two-decimal values."""
    points = csweep.bifurcations(template, {"u": (-60, 420)}, param_map=param_map)
    for kind in ("fold", "hopf"):
        found = np.sort(points.loc[points["kind"] == kind, "u"].to_numpy())
        assert len(found) == len(reference[kind]) == len(LITERATURE[kind])
        np.testing.assert_allclose(found, reference[kind], rtol=0, atol=1e-6)
        np.testing.assert_allclose(found, LITERATURE[kind], rtol=0, atol=0.01)
    np.testing.assert_array_equal(points["value"], points["u"])
    hopf = points[points["kind"] == "hopf"]
    assert np.all((hopf["frequency"] > 5) & (hopf["frequency"] < 12))   # alpha-band pairs
    assert points["frequency"][points["kind"] == "fold"].isna().all()


@pytest.mark.parametrize("template,param_map", [("JRC2", JRC2_MAP), ("JRC", JRC_MAP)])
def test_equilibria_count_stability_and_states(template, param_map, reference):
    """At chosen inputs: as many equilibria as the reference, the same stability, and every
    state variable within 1e-9 of the reference's, relative to the state's largest value."""
    u_values = [-60.0, -41.0, -20.0, 0.0, 50.0, 100.0, 113.5, 113.7, 200.0, 315.0, 316.5, 420.0]
    frame = csweep.equilibria(template, {"u": u_values}, param_map)
    for k, u in enumerate(u_values):
        expected = reference_equilibria(u, reference["ys"])
        got = frame.loc[k]
        assert len(got) == len(expected), u
        states = got[[name for name in frame.columns if "/" in name]]   # the state paths
        for (state, stable), (_, row), (_, values) in zip(expected, got.iterrows(),
                                                          states.iterrows(), strict=True):
            assert bool(row["stable"]) == stable, (u, row["potential"])
            mine = _as_column(template, values.to_numpy(float))
            np.testing.assert_allclose(mine, state, rtol=0, atol=1e-9 * np.abs(state).max())


def _as_column(template, values):
    """A template's rest state in the lumped column's order (V_ein, X_ein, ..., V_i, X_i)."""
    if template == "JRC2":
        return values
    # JRC: pc/rpo_e_in (V_e), pc/rpo_i (-V_i), ein/rpo_e (V_ein), iin/rpo_e (V_iin)
    v_e, x_e, v_i, x_i, v_ein, x_ein, v_iin, x_iin = values
    return np.array([v_ein, x_ein, v_iin, x_iin, v_e, x_e, -v_i, -x_i])


def _kernel_drift(template, frame, param_map, u_values, outputs):
    """How far csweep's own kernel moves each equilibrium in 10 Euler steps of 1e-6 s, relative
    to the state's size: ~1e-15 at a rest point, ~1e-6 anywhere else. A network's full state
    also holds each edge's previous output: the source node's rate, at rest."""
    labels = frame.index.get_level_values("set")
    states = frame[[name for name in frame.columns if "/" in name]]
    common = dict(step_size=1e-6, simulation_time=1e-5, outputs=outputs, progress=False,
                  return_final_state=True, float_precision="float64")
    grid = {"u": np.asarray(u_values)[labels]}
    names = csweep.grid_search(template, grid, param_map, **common).final_state.columns
    start = pd.DataFrame(0.0, index=range(len(frame)), columns=names)
    for name in names:
        if name in states.columns:
            start[name] = states[name].to_numpy()
        elif name.endswith("/previous_output"):       # "pc/pro/m->ein/rpo_e/m_in#0/..."
            node = name.split("/pro/m->")[0]
            v = states[[c for c in states.columns if c.startswith(node + "/")
                        and c.endswith("/v")]].sum(axis=1)
            start[name] = S(v.to_numpy())
    run = csweep.grid_search(template, grid, param_map, initial_state=start, **common)
    final = run.final_state[list(states.columns)].to_numpy()
    return np.abs(final - states.to_numpy()).max(axis=1) / np.abs(states.to_numpy()).max(axis=1)


@pytest.mark.parametrize("template,param_map,outputs", [
    ("JRC2", JRC2_MAP, {"v": "jrc/jrc_op/V_e"}),
    ("JRC", JRC_MAP, {"v": "pc/rpo_e_in/v"}),
    ("JRC_inhibitory_input", JRC_MAP, {"v": "pc/rpo_e_in/v"})])
def test_states_are_rest_points_of_the_kernel_in_its_state_order(template, param_map, outputs):
    """The states, in csweep's state order (initial_state's), do not move under the kernel."""
    u_values = [-50.0, 0.0, 100.0, 250.0]
    frame = csweep.equilibria(template, {"u": u_values}, param_map)
    assert len(frame) >= len(u_values)
    assert _kernel_drift(template, frame, param_map, u_values, outputs).max() < 1e-12


def test_coupled_columns_newton_equilibria_satisfy_the_rest_equations():
    """Two delay-coupled columns: no single node cuts both feedback loops, so Newton's method
    from several starts finds the equilibria. Each satisfies the network's rest equations
    (written out here from the template: every synapse's potential is its gain times its time
    constant times the rates reaching it), every derivative state is 0, and the stability of
    a network with delays is NA."""
    param_map = {"u": {"vars": ["rpo_e_in/u"], "nodes": ["jrc1/pc"]}}
    u_values = [0.0, 100.0, 220.0]
    frame = csweep.equilibria("JRC_2delaycoupled", {"u": u_values}, param_map)
    assert frame["stable"].isna().all()
    assert set(frame.index.get_level_values("set")) == {0, 1, 2}
    for (k, _), row in frame.iterrows():
        pc = {j: S(row[f"jrc{j}/pc/rpo_e_in/v"] + row[f"jrc{j}/pc/rpo_i/v"]) for j in (1, 2)}
        ein = {j: S(row[f"jrc{j}/ein/rpo_e/v"]) for j in (1, 2)}
        iin = {j: S(row[f"jrc{j}/iin/rpo_e/v"]) for j in (1, 2)}
        he, hi = Q["h_e"] * Q["tau_e"], -Q["h_i"] * Q["tau_i"]
        u = {1: u_values[k], 2: 220.0}
        other = {1: 40.0 * pc[2], 2: 20.0 * pc[1]}
        for j in (1, 2):
            expected = {f"jrc{j}/pc/rpo_e_in/v": he * (108 * ein[j] + u[j] + other[j]),
                        f"jrc{j}/pc/rpo_i/v": hi * 33.75 * iin[j],
                        f"jrc{j}/ein/rpo_e/v": he * 135 * pc[j],
                        f"jrc{j}/iin/rpo_e/v": he * 33.75 * pc[j]}
            for path, value in expected.items():
                assert row[path] == pytest.approx(value, rel=1e-12, abs=1e-15)
        assert all(row[name] == 0 for name in frame.columns if name.endswith("/x"))
    with pytest.raises(ValueError, match="do not reduce to one equation"):
        csweep.bifurcations("JRC_2delaycoupled", {"u": (0, 300)}, param_map=param_map)


def test_delayed_edges_give_folds_only_with_a_warning():
    """A delay on one of JRC's edges leaves its equilibria (and folds) as they are; the Hopf
    points depend on the delay, so bifurcations reports folds only and says so."""
    delay = {"d": {"vars": ["delay"], "edges": [("pc/pro/m", "ein/rpo_e/m_in")]}}
    with pytest.warns(UserWarning, match="folds only"):
        points = csweep.bifurcations("JRC", {"u": (-60, 420)}, {"d": [4e-3]},
                                     {**JRC_MAP, **delay})
    assert list(points["kind"]) == ["fold", "fold"]
    plain = csweep.bifurcations("JRC", {"u": (-60, 420)}, param_map=JRC_MAP)
    np.testing.assert_allclose(points["u"], plain.loc[plain["kind"] == "fold", "u"], atol=1e-9)
    rest = csweep.equilibria("JRC", {"u": [0.0], "d": [4e-3]}, {**JRC_MAP, **delay})
    assert rest["stable"].isna().all() and len(rest) == 3


def test_two_parameters_trace_the_fold_and_hopf_curves():
    """With C in param_grid, each C gives its own points; at C = 135 they are the
    one-parameter call's, and the fold pair closes in a cusp as C falls (Touboul et al. 2011:
    no bistability below about C = 60)."""
    param_map = {**JRC2_MAP, "c": {"vars": ["jrc_op/c"], "nodes": ["jrc"]}}
    cs = [50.0, 100.0, 135.0, 200.0]
    points = csweep.bifurcations("JRC2", {"u": (-60, 420)}, {"c": cs}, param_map)
    single = csweep.bifurcations("JRC2", {"u": (-60, 420)}, param_map=JRC2_MAP)
    at_135 = points[points["c"] == 135.0].reset_index(drop=True)
    np.testing.assert_allclose(at_135["u"], single["u"], rtol=0, atol=1e-9)
    assert list(at_135["kind"]) == list(single["kind"])
    assert (points[points["c"] == 50.0]["kind"] == "fold").sum() == 0
    assert (points[points["c"] == 100.0]["kind"] == "fold").sum() == 2


def test_arguments_are_checked_with_grid_searchs_messages():
    with pytest.raises(KeyError, match="param_grid key 'u' has no entry in param_map"):
        csweep.equilibria("JRC2", {"u": [1.0]}, {})
    with pytest.raises(KeyError, match="unknown node 'pc'"):
        csweep.equilibria("JRC2", {"u": [1.0]}, {"u": {"vars": ["jrc_op/u"], "nodes": ["pc"]}})
    with pytest.raises(ValueError, match="tau_e must be > 0"):
        csweep.equilibria("JRC2", {"t": [0.0]}, {"t": {"vars": ["jrc_op/tau_e"],
                                                       "nodes": ["jrc"]}})
    with pytest.raises(ValueError, match="sets the initial value of jrc/jrc_op/V_e"):
        csweep.equilibria("JRC2", {"v": [0.0]}, {"v": {"vars": ["jrc_op/V_e"], "nodes": ["jrc"]}})
    with pytest.raises(ValueError, match="scan_points must be an integer >= 8"):
        csweep.equilibria("JRC2", {"u": [1.0]}, JRC2_MAP, scan_points=2)
    with pytest.raises(TypeError, match="parameter must be a dict of one param_map key"):
        csweep.bifurcations("JRC2", ("u", -60, 420), param_map=JRC2_MAP)
    with pytest.raises(ValueError, match="low < high"):
        csweep.bifurcations("JRC2", {"u": (420, -60)}, param_map=JRC2_MAP)
    with pytest.raises(KeyError, match="param_map must map the parameter 'u'"):
        csweep.bifurcations("JRC2", {"u": (-60, 420)})
    with pytest.raises(ValueError, match="must not hold the parameter 'u'"):
        csweep.bifurcations("JRC2", {"u": (-60, 420)}, {"u": [1.0]}, JRC2_MAP)


def test_the_callers_objects_are_left_alone():
    grid = {"u": [0.0, 100.0]}
    param_map = {"u": {"vars": ["jrc_op/u"], "nodes": ["jrc"]}}
    frame = pd.DataFrame({"u": [0.0, 100.0]}, index=["a", "b"])
    before = (repr(grid), repr(param_map), frame.copy())
    result = csweep.equilibria("JRC2", frame, param_map)
    csweep.equilibria("JRC2", grid, param_map)
    csweep.bifurcations("JRC2", {"u": (-60, 420)}, param_map=param_map, points=50)
    assert (repr(grid), repr(param_map)) == before[:2]
    pd.testing.assert_frame_equal(frame, before[2])
    assert list(result.index.get_level_values("set").unique()) == ["a", "b"]


def test_threads_do_not_change_the_result():
    grid = {"u": np.linspace(-60, 420, 20000)}
    one = csweep.equilibria("JRC2", grid, JRC2_MAP, n_threads=1)
    two = csweep.equilibria("JRC2", grid, JRC2_MAP, n_threads=2)
    pd.testing.assert_frame_equal(one, two)
    assert one.groupby(level="set").size().max() == 3


def test_bifurcation_diagram_draws_branches_points_and_simulations():
    matplotlib = pytest.importorskip("matplotlib", reason="plots need the 'csweep[plot]' extra")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # noqa: PLC0415

    from csweep import plot  # noqa: PLC0415

    branches = csweep.equilibria("JRC2", {"u": np.linspace(-60, 420, 241)}, JRC2_MAP)
    points = csweep.bifurcations("JRC2", {"u": (-60, 420)}, param_map=JRC2_MAP, points=100)
    sweep = csweep.grid_search("JRC2", {"u": [0.0, 200.0]}, JRC2_MAP, 1e-4, 0.5,
                               {"V_e": "jrc/jrc_op/V_e", "V_i": "jrc/jrc_op/V_i"},
                               progress=False)
    fig, ax = plot.bifurcation_diagram(branches, "u", points, results=sweep.results,
                                       results_map=sweep.results_map, after=0.25)
    labels = [line.get_label() for line in ax.lines]
    assert labels[:2] == ["stable equilibria", "unstable equilibria"]
    assert {"folds", "Hopf points", "maximum", "minimum"} <= set(labels)
    stable_y = ax.lines[0].get_ydata()
    assert np.nanmax(stable_y) == pytest.approx(1e3 * branches["potential"].max())
    folds = next(line for line in ax.lines if line.get_label() == "folds")
    np.testing.assert_allclose(folds.get_xdata(), [-41.3014, 113.5863], atol=1e-4)
    with pytest.raises(KeyError, match="'c' is not a column of branches"):
        plot.bifurcation_diagram(branches, "c")
    plt.close(fig)


def test_root_pairs_next_to_a_fold_are_found(reference):
    """1e-7 Hz inside a fold the two meeting equilibria are 1.5e-7 V apart (2e-4 of a scan cell);
    both are found, and 1e-7 Hz outside neither is."""
    low, high = reference["fold"]
    u_values = [low - 1e-7, low + 1e-7, high - 1e-7, high + 1e-7]
    counts = csweep.equilibria("JRC2", {"u": u_values}, JRC2_MAP).groupby(level="set").size()
    assert list(counts) == [1, 3, 3, 1]


def test_stability_without_eigenvalues_agrees_with_them():
    """eigenvalues=False tells the column's stability by Routh-Hurwitz on its characteristic
    polynomial: the same flags as the eigenvalues' over 20,000 random columns (any set whose
    largest real part is within 1e-6/s of 0 left out: there either answer is rounding)."""
    rng = np.random.default_rng(7)
    n = 20000
    values = {"u": rng.uniform(-200, 600, n), "c": rng.uniform(20, 800, n),
              "h_e": rng.uniform(2e-3, 6e-3, n), "tau_i": rng.uniform(10e-3, 40e-3, n)}
    param_map = {key: {"vars": [f"jrc_op/{key}"], "nodes": ["jrc"]} for key in values}
    full = csweep.equilibria("JRC2", values, param_map)
    fast = csweep.equilibria("JRC2", values, param_map, eigenvalues=False)
    assert "eigenvalue_0" not in fast.columns
    clear = np.abs(full["eigenvalue_0"].to_numpy().real) > 1e-6
    assert clear.mean() > 0.99
    np.testing.assert_array_equal(fast["stable"].to_numpy(bool)[clear],
                                  full["stable"].to_numpy(bool)[clear])
    assert full["stable"].any() and not full["stable"].all()
    np.testing.assert_array_equal(fast["potential"], full["potential"])


def test_newton_from_several_starts_finds_what_the_scan_finds():
    """The networks' method (Newton from 256 starts), run on PyRates' JRC, whose one-dimensional
    reduction finds every equilibrium: the same equilibria at every input, bistable ones
    included, to 1e-12 V."""
    from dataclasses import replace  # noqa: PLC0415

    from csweep.analysis.rest_points import equilibrium_roots  # noqa: PLC0415
    from csweep.engine.grid import make_grid  # noqa: PLC0415
    from csweep.models.fixed_points import rest_system  # noqa: PLC0415
    from csweep.models.mapping import map_parameters, resolve  # noqa: PLC0415
    from csweep.models.recognise import compiled_model  # noqa: PLC0415

    model = compiled_model("JRC")
    grid = make_grid({"u": np.linspace(-60, 420, 97)})
    system = rest_system(model, *map_parameters(model, grid, resolve(model, JRC_MAP)))
    scan = equilibrium_roots(system)
    newton = equilibrium_roots(replace(system, cut=None))
    np.testing.assert_array_equal(newton[0], scan[0])
    assert (np.bincount(scan[0]) == 3).sum() > 10
    np.testing.assert_allclose(newton[1], scan[1], rtol=0, atol=1e-12)
