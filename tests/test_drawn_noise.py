"""Generated noise drawn by the JRC2 kernel's tiles as they step (issue 18): the same numbers as
the series csweep.noise fills, so a sweep's results do not depend on where the noise is drawn,
and no series of steps x sets is held in memory."""

import tracemalloc

import numpy as np
import pytest
from conftest import JRC2_MAP

import csweep
from csweep import _integrate, _runtime, noise
from csweep.engine import blocks
from csweep.kernels import builds as _kernel
from csweep.models.inputs import NoiseToDraw, block_channels

NO_STATE = np.empty((0, 0))
DEFAULTS = (3.25e-3, 10e-3, 22e-3, 20e-3, 5.0, 560.0, 6e-3, 135.0, 0.8, 0.25)  # JRC2_PARAMETERS


def _params(n_sets):
    params = np.array([[value] * n_sets for value in DEFAULTS])
    params[_integrate.JRC2_PARAMETERS.index("c")] = np.linspace(60, 1400, n_sets)
    return params


def _kernel_run(params, u, m_in, n_steps, solver, single, **drawn):
    out = np.empty((n_steps // 10, 3, params.shape[1]))
    final = np.empty((8, params.shape[1]))
    (_kernel.single_kernel if single else _kernel.kernel).integrate_jrc2(
        params, u, m_in, np.array([4, 6, 8], np.intc), out, NO_STATE, final, 10, 0, n_steps,
        _runtime.SOLVERS[solver], 1e-4, 2, single, **drawn)
    return out, final


@pytest.mark.parametrize("solver", ["euler", "heun", "rk4"])
@pytest.mark.parametrize("single", [False, True])
def test_the_kernel_draws_the_series_noise_fills(solver, single):
    """Uniform u and normal m_in drawn in the tiles give bitwise the results of the same noise
    passed as arrays: 19 sets (a partial tile), 1001 steps (not a whole number of the tiles'
    64-step draws), streams that are not the set indices."""
    n_sets, n_steps = 19, 1001
    streams = (np.arange(n_sets, dtype=np.uint64) * 977 + 2**40)
    u_noise, m_noise = noise.uniform(120, 320, seed=5), noise.normal(0.0, 30.0, seed=2**63 + 1)
    params = _params(n_sets)
    as_arrays = _kernel_run(params, u_noise.block(n_steps, streams, 2),
                            m_noise.block(n_steps, streams, 2), n_steps, solver, single)
    unread = np.full((1, 1), np.nan)      # the kernel must not read the arrays it draws
    drawn = _kernel_run(params, unread, unread, n_steps, solver, single,
                        noise=[u_noise.kernel_spec(), m_noise.kernel_spec()], streams=streams)
    for got, expected in zip(drawn, as_arrays, strict=True):
        assert np.isfinite(expected).all()
        np.testing.assert_array_equal(got, expected)


def test_the_kernel_refuses_noise_without_a_stream_per_set():
    params = _params(4)
    with pytest.raises(ValueError, match=r"streams of shape \(4,\); received 3"):
        _kernel_run(params, np.zeros((1, 1)), np.zeros((1, 1)), 10, "euler", False,
                    noise=[noise.uniform(0, 1).kernel_spec(), None],
                    streams=np.arange(3, dtype=np.uint64))


def test_only_fixed_step_jrc2_blocks_leave_noise_to_the_kernel():
    u = noise.uniform(120, 320, seed=1)
    streams = np.arange(10, dtype=np.uint64)
    drawn = block_channels([u], 2, 6, 50, 1, streams, {}, kernel_draws_noise=True)
    assert isinstance(drawn[0], NoiseToDraw)
    np.testing.assert_array_equal(drawn[0].streams, streams[2:6])
    filled = block_channels([u], 2, 6, 50, 1, streams, {}, kernel_draws_noise=False)
    np.testing.assert_array_equal(filled[0], u.block(50, streams[2:6]))
    shared = noise.uniform(120, 320, seed=1, per_set=False)   # one series: drawn once
    assert block_channels([shared], 2, 6, 50, 1, streams, {}, True)[0].shape == (50, 1)


def _jrc2_sweep(inputs, **kw):
    return csweep.grid_search(
        "JRC2", {"c": np.linspace(60, 1400, 21)}, JRC2_MAP,
        step_size=1e-4, simulation_time=0.2, sampling_step_size=1e-3, inputs=inputs,
        outputs={"V_e": "jrc/jrc_op/V_e"}, float_precision="float64", progress=False, **kw)


@pytest.mark.parametrize("solver", ["euler", "scipy"])
def test_a_sweep_with_generated_noise_equals_the_sweep_of_its_drawn_series(solver):
    """The kernel's noise (fixed steps) and the filled series (solver="scipy", which reads
    series) against the series drawn by the user and passed as an array."""
    u = noise.normal(220, 22, seed=7)
    series = u.block(2000, np.arange(21, dtype=np.uint64))
    generated = _jrc2_sweep({"jrc/jrc_op/u": u}, solver=solver, block_size=8)[0]
    given = _jrc2_sweep({"jrc/jrc_op/u": series}, solver=solver)[0]
    np.testing.assert_array_equal(generated.to_numpy(), given.to_numpy())


def test_a_features_only_sweep_holds_no_noise_series():
    """400 sets x 20,000 steps of per-set noise would be 64 MB as a series; the sweep's peak
    allocation (NumPy's, traced) stays far below it."""
    u = noise.uniform(120, 320, seed=0)
    tracemalloc.start()
    try:
        csweep.grid_search(
            "JRC2", {"c": np.linspace(60, 1400, 400)},
            JRC2_MAP, step_size=1e-4,
            simulation_time=2.0, sampling_step_size=1e-2, inputs={"jrc/jrc_op/u": u},
            outputs={"V_e": "jrc/jrc_op/V_e"}, features={"p2p": csweep.features.peak_to_peak(
                "V_e")}, keep_timeseries=False, progress=False)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 8 * 20_000 * 400 / 8, f"peak {peak / 2**20:.1f} MB"


def test_overlapped_sweeps_are_cut_into_several_blocks():
    """A store sweep overlaps a block's features and writes with the next block's integration,
    so its default blocks leave an eighth or less of that work after the last integration."""
    size = blocks.plan_block_size(2000, 100_000, 200, 2, overlapped=True)
    assert size % (blocks.TILE * 2) == 0 and -(-2000 // size) >= blocks.OVERLAPPED_BLOCKS
    assert blocks.plan_block_size(2000, 100_000, 200, 2) > size
    # but never finer than two tiles a thread: a kernel call of one tile a thread waits on
    # whichever thread the features slow down
    two_tiles = blocks.OVERLAPPED_TILES * blocks.TILE * 2
    assert blocks.plan_block_size(20, 100_000, 200, 2, overlapped=True) == 20
    assert blocks.plan_block_size(2 * two_tiles + 8, 100_000, 200, 2,
                                  overlapped=True) == two_tiles
