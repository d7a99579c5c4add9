"""What the per-block checksums of a store cost: hashing time as a fraction of a block's time.

    python benchmarks/store_checksums.py [--sets 256] [--repeats 3] [--threads 2]

Writes workload W's time series (JRC2, 10 s at dt = 1e-4, V_e and V_i every 1 ms after 1 s,
float32, shared noise) to a store with the default block size, and measures per block:

- ``hash CPU``: the seconds spent computing the block's sha256 checksums (all its arrays);
- ``hash wait``: the seconds ``write_block`` waited for them after its writes (hashing runs on a
  thread while Zarr writes, so the added wall time is this, not the CPU time);
- ``block``: the block's wall time (integration, features, writes, checksums, flag).

Then it runs the same sweep with the checksums replaced by a no-op, alternating the two, and
compares the sweeps' wall times (min over repeats). Also times ``csweep.verify_store``.
"""

import argparse
import os
import tempfile
import time

import numpy as np

import csweep
from csweep import features as F
from csweep.engine import checksums, store

PARAM_MAP = {"c": {"vars": ["jrc_op/c"], "nodes": ["jrc"]}}
OUTPUTS = {"V_e": "jrc/jrc_op/V_e", "V_i": "jrc/jrc_op/V_i"}


class Timed:
    """Wraps what write_block calls to time the hashing and the wait for it."""

    def __init__(self):
        self.hash_cpu, self.hash_wait, self.blocks = [], [], []
        real_digest, real_background = checksums.digest, store.BackgroundDigests
        timer = self

        def digest(values, dtype, where=""):
            started = time.perf_counter()
            value = real_digest(values, dtype, where)
            timer.hash_cpu[-1] += time.perf_counter() - started
            return value

        class Background(real_background):
            def __init__(self, items):
                timer.hash_cpu.append(0.0)
                super().__init__(items)

            def result(self):
                started = time.perf_counter()
                value = super().result()
                timer.hash_wait.append(time.perf_counter() - started)
                return value

        self.patch = {"digest": digest, "Background": Background}
        self.real = {"digest": real_digest, "Background": real_background}

    def __enter__(self):
        checksums.digest = self.patch["digest"]
        store.BackgroundDigests = self.patch["Background"]
        return self

    def __exit__(self, *exc):
        checksums.digest = self.real["digest"]
        store.BackgroundDigests = self.real["Background"]


class NoChecksums:
    """The same sweep with every checksum a constant: what the store cost before them."""

    def __enter__(self):
        self.real = checksums.digest
        checksums.digest = store.digest = lambda values, dtype, where="": np.zeros(
            checksums.DIGEST_BYTES, np.uint8)
        return self

    def __exit__(self, *exc):
        checksums.digest = store.digest = self.real


def sweep(path, n_sets, threads, progress=None):
    rng = np.random.default_rng(42)
    started = time.perf_counter()
    csweep.grid_search(
        "JRC2", {"c": np.linspace(60, 1400, n_sets)}, PARAM_MAP, step_size=1e-4,
        simulation_time=10.0, sampling_step_size=1e-3, cutoff=1.0, outputs=OUTPUTS,
        inputs={"jrc/jrc_op/u": rng.uniform(120, 320, (100_000, 1))},
        features={"ptp": F.peak_to_peak("V_e - V_i")}, store=path, n_threads=threads,
        progress=progress)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", type=int, default=256)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=None)
    args = parser.parse_args()
    print(f"load average before: {os.getloadavg()}")
    with tempfile.TemporaryDirectory() as folder:
        # per block: hashing time against the block's wall time
        marks = []
        with Timed() as timed:
            sweep(os.path.join(folder, "timed.zarr"), args.sets, args.threads,
                  progress=lambda done, total: marks.append((time.perf_counter(), done)))
        starts = [t for t, _ in marks]
        block_times = np.diff(starts) if len(starts) > 1 else np.array([np.nan])
        sizes = np.diff([d for _, d in marks])
        cpu, wait = np.array(timed.hash_cpu[1:]), np.array(timed.hash_wait[1:])
        data_mb = 2 * 9000 * 4 * np.median(sizes) / 1e6 if len(sizes) else np.nan
        print(f"{len(timed.hash_cpu)} blocks of about {int(np.median(sizes))} sets "
              f"({data_mb:.1f} MB of series each); medians over blocks 2..:")
        print(f"  block wall time  {np.median(block_times):8.4f} s")
        print(f"  hash CPU         {np.median(cpu):8.4f} s  "
              f"({np.median(cpu) / np.median(block_times):.1%} of a block)")
        print(f"  hash wait        {np.median(wait):8.4f} s  "
              f"({np.median(wait) / np.median(block_times):.1%} of a block)")
        # whole sweeps, alternating with and without checksums
        walls = {"with checksums": [], "without": []}
        for repeat in range(args.repeats):
            for name, context in (("with checksums", Timed()), ("without", NoChecksums())):
                with context:
                    walls[name].append(sweep(os.path.join(folder, f"{name}{repeat}.zarr"),
                                             args.sets, args.threads))
        best = {name: min(times) for name, times in walls.items()}
        print(f"whole sweep of {args.sets} sets, min of {args.repeats}: "
              f"{best['with checksums']:.3f} s with checksums, {best['without']:.3f} s without "
              f"({best['with checksums'] / best['without'] - 1:+.1%})")
        started = time.perf_counter()
        report = csweep.verify_store(os.path.join(folder, "with checksums0.zarr"))
        print(f"verify_store: {time.perf_counter() - started:.3f} s, ok={report.ok}")
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
