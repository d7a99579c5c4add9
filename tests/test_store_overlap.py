"""A store sweep writes block k on a worker thread while block k+1 is integrated: its errors,
the order of its done flags and progress reports, and its two alternating scratch buffers."""

import threading
import weakref

import numpy as np
import pytest
from conftest import JRC2_MAP, JRC2_OUTPUTS, need

import csweep
from csweep import features as F
from csweep import noise
from csweep.engine.runner import BlockRunner

zarr = need("zarr")

N_SETS, BLOCK = 70, 16                      # blocks 0-3 of 16 sets, block 4 of 6


class FeatureFailed(Exception):
    pass


def call(path, features, **kw):
    return csweep.grid_search(
        "JRC2", {"c": np.linspace(60, 1400, N_SETS)},
        JRC2_MAP, step_size=1e-4, simulation_time=0.3,
        sampling_step_size=1e-3, outputs=JRC2_OUTPUTS,
        inputs={"jrc/jrc_op/u": noise.uniform(120, 320, seed=4)}, features=features,
        block_size=BLOCK, store=path, **kw)


def test_a_feature_failing_on_the_worker_raises_its_own_error_and_flags_only_earlier_blocks(
        tmp_path):
    calls = []

    def fails_on_the_third_block(signals, times):
        calls.append(signals.shape[1])
        if len(calls) == 3 and failing:
            raise FeatureFailed("the third block's feature fails")
        return signals.max(axis=0)

    failing = True
    features = {"max": F.custom(fails_on_the_third_block, "V_e - V_i", version="1")}
    path = tmp_path / "sweep.zarr"
    with pytest.raises(FeatureFailed, match="third block"):
        call(path, features)
    done = zarr.open_group(path, mode="r")["_csweep/block_done"][:]
    assert done.tolist() == [1, 1, 0, 0, 0]   # block 3 was integrated, never written
    failing = False
    resumed = call(path, features, resume=True)
    whole = call(tmp_path / "whole.zarr", features)
    np.testing.assert_array_equal(resumed.features["max"], whole.features["max"])


def test_progress_is_reported_in_order_once_each_block_is_written(tmp_path):
    reports = []
    call(tmp_path / "sweep.zarr", {"ptp": F.peak_to_peak("V_e - V_i")},
         progress=lambda done, total: reports.append(done))
    assert reports == [0, 16, 32, 48, 64, 70]


def test_two_scratch_buffers_alternate(tmp_path, monkeypatch):
    allocated = []
    most_alive = []
    scratch = BlockRunner.scratch

    def counted(self, n_sets, dtype):
        most_alive.append(sum(ref() is not None for ref in allocated))
        buffers = scratch(self, n_sets, dtype)
        allocated.append(weakref.ref(buffers[0]))
        return buffers

    monkeypatch.setattr(BlockRunner, "scratch", counted)
    call(tmp_path / "sweep.zarr", {"ptp": F.peak_to_peak("V_e - V_i")}, keep_timeseries=True)
    assert len(allocated) == 3                # two of 16 sets, then one for the last block's 6
    assert max(most_alive) <= 1               # the last one's replaces a free one: never three


def test_a_new_store_is_created_while_the_first_block_is_integrated(tmp_path, monkeypatch):
    """Creating a store's arrays takes about 0.1 s: a new store is created on the writer thread
    while the first block is integrated (creation waits here for the first integration to
    start: were it made first, on this thread, it would wait in vain)."""
    from csweep.engine.store import SweepStore  # noqa: PLC0415

    integrating = threading.Event()
    real_integrate, real_create = BlockRunner.integrate, SweepStore._create.__func__

    def integrate(self, *args, **kwargs):
        integrating.set()
        return real_integrate(self, *args, **kwargs)

    def create(cls, *args, **kwargs):
        assert integrating.wait(timeout=30), "the store was created before any integration"
        return real_create(cls, *args, **kwargs)

    monkeypatch.setattr(BlockRunner, "integrate", integrate)
    monkeypatch.setattr(SweepStore, "_create", classmethod(create))
    features = {"ptp": F.peak_to_peak("V_e - V_i")}
    stored = call(tmp_path / "sweep.zarr", features, keep_timeseries=False)
    monkeypatch.undo()
    expected = call(None, features, keep_timeseries=False)
    np.testing.assert_array_equal(stored.features["ptp"], expected.features["ptp"])
    assert csweep.verify_store(tmp_path / "sweep.zarr").ok


def test_a_store_that_cannot_be_created_fails_the_sweep_and_leaves_nothing(tmp_path,
                                                                          monkeypatch):
    from csweep.engine.store import SweepStore  # noqa: PLC0415

    def create(cls, *args, **kwargs):
        raise OSError("the disk is full")

    monkeypatch.setattr(SweepStore, "_create", classmethod(create))
    with pytest.raises(OSError, match="the disk is full"):
        call(tmp_path / "sweep.zarr", {"ptp": F.peak_to_peak("V_e - V_i")})
    assert list(tmp_path.iterdir()) == []
