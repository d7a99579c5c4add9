"""Sweeps whose blocks run as tasks: a Dask LocalCluster, process pools; identical to local runs."""

import concurrent.futures
import multiprocessing
import os
import signal
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from conftest import JRC2_MAP, JRC2_OUTPUTS, need

import csweep
from csweep import features as F
from csweep import noise

xr = need("xarray")
need("zarr")
distributed = need("distributed")

pytestmark = pytest.mark.slow     # Dask clusters, process pools and subprocesses

FEATURES = {"freq": F.dominant_frequency("V_e - V_i", band=(1, 40)),
            "ptp": F.peak_to_peak("V_e - V_i")}
N_SETS = 60
N_STEPS = 5000


def call(**kw):
    args = dict(step_size=1e-4, simulation_time=N_STEPS * 1e-4, sampling_step_size=1e-3,
                cutoff=0.1, outputs=JRC2_OUTPUTS, features=FEATURES, block_size=8, progress=False,
                return_final_state=True,
                inputs={"jrc/jrc_op/u": noise.uniform(120, 320, seed=7)})
    args.update(kw)
    return csweep.grid_search("JRC2", {"c": np.linspace(60, 1400, N_SETS)}, JRC2_MAP, **args)


def assert_same_sweep(a, b, store_a=None, store_b=None):
    """Bit for bit: features, final states and (when both wrote one) the stores."""
    np.testing.assert_array_equal(a.features.to_numpy(), b.features.to_numpy())
    assert a.features.index.equals(b.features.index)
    np.testing.assert_array_equal(a.final_state.to_numpy(), b.final_state.to_numpy())
    if store_a is not None:
        xr.testing.assert_identical(xr.open_zarr(store_a).load(), xr.open_zarr(store_b).load())


@pytest.fixture(scope="module")
def client():
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:
        with distributed.Client(cluster) as c:
            yield c


EXPLICIT_U = np.random.default_rng(3).uniform(120, 320, (N_STEPS, N_SETS))


@pytest.mark.parametrize("inputs", ["noise", "shared noise", "per-set array", "shared array"])
def test_dask_store_and_features_equal_a_local_run(client, tmp_path, inputs):
    u = {"noise": noise.uniform(120, 320, seed=7),
         "shared noise": noise.normal(220, 30, seed=2, per_set=False),
         "per-set array": EXPLICIT_U, "shared array": EXPLICIT_U[:, 0]}[inputs]
    local = call(store=tmp_path / "local.zarr", inputs={"jrc/jrc_op/u": u})
    remote = call(store=tmp_path / "dask.zarr", inputs={"jrc/jrc_op/u": u}, client=client)
    assert remote[0] is None and remote.store == os.fspath(tmp_path / "dask.zarr")
    assert_same_sweep(local, remote, tmp_path / "local.zarr", tmp_path / "dask.zarr")


def test_dask_features_only_without_a_store(client):
    local = call(keep_timeseries=False)
    remote = call(keep_timeseries=False, client=client)
    assert remote[0] is None
    assert_same_sweep(local, remote)


def test_dask_runs_networks(client, tmp_path):
    kw = dict(step_size=1e-4, simulation_time=0.3, sampling_step_size=1e-3, solver="heun",
              outputs={"v1": "jrc1/pc/rpo_e_in/v", "m2": "jrc2/pc/pro/m"}, block_size=3,
              inputs={"jrc1/pc/rpo_e_in/u": noise.uniform(120, 320, seed=1)},
              features={"mean": F.mean("v1")}, return_final_state=True, progress=False)
    grid = {"h": np.linspace(3e-3, 3.5e-3, 10)}
    param_map = {"h": {"vars": ["rpo_e_in/h"], "nodes": ["jrc1/pc"]}}
    local = csweep.grid_search("JRC_2delaycoupled", grid, param_map,
                               store=tmp_path / "local.zarr", **kw)
    remote = csweep.grid_search("JRC_2delaycoupled", grid, param_map,
                                store=tmp_path / "dask.zarr", client=client, **kw)
    assert_same_sweep(local, remote, tmp_path / "local.zarr", tmp_path / "dask.zarr")


def test_dask_runs_the_adaptive_solver_and_returns_its_statistics(client, tmp_path):
    """solver="scipy" on the cluster: each set's steps and status come back with its block."""
    kw = dict(solver="scipy", rtol=1e-6, atol=1e-9)
    local = call(store=tmp_path / "local.zarr", **kw)
    remote = call(store=tmp_path / "dask.zarr", client=client, **kw)
    assert_same_sweep(local, remote, tmp_path / "local.zarr", tmp_path / "dask.zarr")
    assert (remote.solver_stats["status"] == "ok").all()
    assert (remote.solver_stats["accepted_steps"] >= N_STEPS - 1).all()
    assert remote.solver_stats.equals(local.solver_stats)
    features_only = call(keep_timeseries=False, client=client, **kw)
    assert features_only.solver_stats.equals(local.solver_stats)


def test_a_killed_worker_is_replaced_and_the_store_is_complete(client, tmp_path):
    pids = client.run(os.getpid)
    killed = {}

    def kill_a_busy_worker(done, total):     # runs on the client after each finished block
        if killed:
            return
        for address, keys in client.processing().items():
            blocks = [k for k in keys if str(k).startswith("csweep-block-")]
            if blocks:                        # blocks assigned to it are lost with it
                killed.update(pid=pids[address], blocks=blocks)
                os.kill(pids[address], signal.SIGKILL)
                return

    kw = dict(simulation_time=2.0, block_size=4, progress=kill_a_busy_worker)
    remote = call(store=tmp_path / "dask.zarr", client=client, **kw)
    assert killed["blocks"], "no worker was killed while holding blocks"
    client.wait_for_workers(2, timeout=60)
    assert killed["pid"] not in client.run(os.getpid).values()    # the nanny started a new one
    local = call(store=tmp_path / "local.zarr", **kw)
    assert_same_sweep(local, remote, tmp_path / "local.zarr", tmp_path / "dask.zarr")


def test_a_failing_block_names_itself_and_resume_runs_the_rest(tmp_path):
    path = tmp_path / "sweep.zarr"
    failing = {"on": True}

    def fails_on_the_last_block(signals, times):   # the last block holds 60 - 7 * 8 = 4 sets
        if failing["on"] and signals.shape[1] == 4:
            raise RuntimeError("this feature fails")
        return signals.max(axis=0)

    # its closure changes between the calls, which a store's fingerprint would refuse; the
    # version names the two as one (their values agree wherever the first one returns)
    features = {**FEATURES, "max": F.custom(fails_on_the_last_block, "V_e - V_i", version="1")}
    kw = dict(store=path, features=features, simulation_time=0.3)
    with concurrent.futures.ThreadPoolExecutor(2) as executor:
        with pytest.raises(RuntimeError, match="this feature fails") as failure:
            call(executor=executor, **kw)
        if sys.version_info >= (3, 11):
            assert "block 7 (sets 56-59) failed" in "".join(failure.value.__notes__)
        import zarr  # noqa: PLC0415

        assert zarr.open_group(path, mode="r")["_csweep/block_done"][7] == 0
        failing["on"] = False
        resumed = call(executor=executor, resume=True, **kw)
    whole = call(**{**kw, "store": tmp_path / "whole.zarr"})
    assert_same_sweep(whole, resumed, tmp_path / "whole.zarr", path)


def test_resume_on_dask_runs_only_the_missing_blocks(client, tmp_path):
    path = tmp_path / "sweep.zarr"
    call(store=path, simulation_time=0.3)
    import zarr  # noqa: PLC0415

    done = zarr.open_group(path, mode="r+")["_csweep/block_done"]
    done[2] = 0
    done[5] = 0
    reports = []
    resumed = call(store=path, simulation_time=0.3, resume=True, client=client,
                   progress=lambda d, n: reports.append(d))
    assert reports == [N_SETS - 16, N_SETS - 8, N_SETS]   # from 44 done: two blocks of 8 ran
    whole = call(store=tmp_path / "whole.zarr", simulation_time=0.3)
    assert_same_sweep(whole, resumed, tmp_path / "whole.zarr", path)


def test_an_interrupted_client_cancels_its_tasks_and_resume_completes(client, tmp_path):
    path = tmp_path / "sweep.zarr"

    def interrupt(done, total):     # Ctrl-C on the client once a block has finished
        if done:
            raise KeyboardInterrupt

    kw = dict(simulation_time=2.0, block_size=4)        # 15 blocks
    with pytest.raises(KeyboardInterrupt):
        call(store=path, client=client, progress=interrupt, **kw)
    import zarr  # noqa: PLC0415

    assert 0 < zarr.open_group(path, mode="r")["_csweep/block_done"][:].sum() < 15
    resumed = call(store=path, client=client, resume=True, **kw)
    whole = call(store=tmp_path / "whole.zarr", **kw)
    assert_same_sweep(whole, resumed, tmp_path / "whole.zarr", path)


@pytest.mark.parametrize("method", ["spawn", "forkserver"])
def test_process_pool_executor_equals_a_local_run(tmp_path, method):
    local = call(store=tmp_path / "local.zarr")
    with concurrent.futures.ProcessPoolExecutor(
            2, mp_context=multiprocessing.get_context(method)) as executor:
        pooled = call(store=tmp_path / "pool.zarr", executor=executor)
        features_only = call(keep_timeseries=False, executor=executor)
    assert_same_sweep(local, pooled, tmp_path / "local.zarr", tmp_path / "pool.zarr")
    assert_same_sweep(local, features_only)


FORKED_POOL = textwrap.dedent("""
    import concurrent.futures, multiprocessing, sys
    import numpy as np
    import csweep
    from csweep import features as F

    def sweep(**kw):
        return csweep.grid_search(
            "JRC2", {"c": np.linspace(60, 1400, 40)},
            {"c": {"vars": ["jrc_op/c"], "nodes": ["jrc"]}}, 1e-4, 0.3, {"v": "jrc/jrc_op/V_e"},
            features={"ptp": F.peak_to_peak("v")}, keep_timeseries=False, block_size=8,
            progress=False, **kw).features

    here = sweep(n_threads=2)          # OpenMP has started threads in this process
    with concurrent.futures.ProcessPoolExecutor(
            2, mp_context=multiprocessing.get_context("fork")) as executor:
        forked = sweep(executor=executor, n_threads=2)
    assert here.equals(forked)
    print("same")
""")


def test_a_fork_based_pool_does_not_hang(tmp_path):
    """GNU OpenMP hangs in a child forked after the parent ran threads; csweep runs such a child
    on one thread."""
    script = tmp_path / "forked.py"
    script.write_text(FORKED_POOL)
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "same"


def test_threads_per_task_share_the_cores():
    from csweep.engine.cluster import make_pool, usable_cores  # noqa: PLC0415

    cores = usable_cores()
    with concurrent.futures.ThreadPoolExecutor(1) as one, \
            concurrent.futures.ThreadPoolExecutor(2 * cores) as many:
        assert make_pool(executor=one).slots_and_threads() == (1, cores)
        assert make_pool(executor=many).slots_and_threads() == (2 * cores, 1)


def test_dask_threads_per_task_share_each_hosts_cores(client):
    from csweep.engine.cluster import make_pool, usable_cores  # noqa: PLC0415

    slots, threads = make_pool(client=client).slots_and_threads()
    assert slots == 2 and threads == max(1, usable_cores() // 2)
    slots, threads = make_pool(executor=client.get_executor()).slots_and_threads()
    assert slots == 2 and threads == max(1, usable_cores() // 2)


def test_bad_engines_are_refused(tmp_path, monkeypatch):
    with pytest.raises(ValueError, match="client= .* or executor= .*not both"):
        call(keep_timeseries=False, client="tcp://127.0.0.1:1",
             executor=concurrent.futures.ThreadPoolExecutor(1))
    with pytest.raises(TypeError, match="executor must be a concurrent.futures.Executor.*"
                                        "received int"):
        call(keep_timeseries=False, executor=3)
    with pytest.raises(TypeError, match="client must be a dask.distributed.Client.*received "
                                        "list"):
        call(keep_timeseries=False, client=[])
    with pytest.raises(ValueError, match="pass store=PATH, or keep_timeseries=False"):
        call(executor=concurrent.futures.ThreadPoolExecutor(1))
    monkeypatch.setitem(sys.modules, "distributed", None)
    with pytest.raises(ImportError, match=r"pip install 'csweep\[dask\]'"):
        call(keep_timeseries=False, client="tcp://127.0.0.1:8786")


SWEEP_FILE = """
template: JRC2
grid: {c: {linspace: [60, 1400, 40]}}
param_map: {c: {vars: [jrc_op/c], nodes: [jrc]}}
outputs: {V_e: jrc/jrc_op/V_e, V_i: jrc/jrc_op/V_i}
inputs: {jrc/jrc_op/u: {noise: uniform, low: 120, high: 320, seed: 0}}
step_size: 1e-4
simulation_time: 0.5
features: {amplitude: {feature: peak_to_peak, signal: V_e - V_i}}
block_size: 8
store: sweep.zarr
"""


def test_the_command_line_runs_a_sweep_file_on_a_scheduler(client, tmp_path, monkeypatch, capsys):
    from csweep.__main__ import main  # noqa: PLC0415

    (tmp_path / "sweep.yaml").write_text(SWEEP_FILE)
    (tmp_path / "local").mkdir()
    monkeypatch.chdir(tmp_path)     # a relative store path: the workers get it made absolute
    assert main(["run", "sweep.yaml", "--scheduler", client.scheduler.address,
                 "--progress", "no"]) == 0
    monkeypatch.chdir(tmp_path / "local")
    assert main(["run", "../sweep.yaml", "--progress", "no"]) == 0
    xr.testing.assert_identical(xr.open_zarr(tmp_path / "sweep.zarr").load(),
                                xr.open_zarr(tmp_path / "local" / "sweep.zarr").load())
    monkeypatch.setitem(sys.modules, "distributed", None)
    assert main(["run", "../sweep.yaml", "--scheduler", "tcp://127.0.0.1:8786"]) == 2
    assert "pip install 'csweep[dask]'" in capsys.readouterr().err
