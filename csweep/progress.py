"""Progress reporting for long sweeps: a tqdm bar, a callable, or nothing."""

from __future__ import annotations

import sys


class _Nothing:
    def update(self, done: int) -> None:
        pass

    def close(self) -> None:
        pass


class _Callback:
    def __init__(self, func, total: int):
        self.func, self.total = func, total

    def update(self, done: int) -> None:
        self.func(done, self.total)

    def close(self) -> None:
        pass


class _Bar:
    def __init__(self, tqdm, total: int, initial: int):
        self.bar = tqdm(total=total, initial=initial, unit="set", desc="csweep",
                        dynamic_ncols=True)

    def update(self, done: int) -> None:
        self.bar.update(done - self.bar.n)

    def close(self) -> None:
        self.bar.close()


class _Lines:
    """Without tqdm: a line on stderr per block."""

    def __init__(self, total: int):
        self.total = total

    def update(self, done: int) -> None:
        print(f"csweep: {done}/{self.total} sets", file=sys.stderr, flush=True)

    def close(self) -> None:
        pass


def make_progress(progress, total: int, initial: int = 0):
    """``progress``: None (a bar on an interactive terminal when tqdm is installed), True (a bar,
    or lines on stderr without tqdm), False (nothing), or a callable receiving (done, total)."""
    if progress is False:
        return _Nothing()
    if callable(progress) and not isinstance(progress, bool):
        reporter = _Callback(progress, total)
        reporter.update(initial)
        return reporter
    if progress is not None and progress is not True:
        raise TypeError(f"progress must be None, True, False or a callable (done, total); "
                        f"received {progress!r}")
    try:
        from tqdm.auto import tqdm  # noqa: PLC0415 (optional dependency)
    except ImportError:
        tqdm = None
    if progress is None:
        interactive = getattr(sys.stderr, "isatty", lambda: False)()
        return _Bar(tqdm, total, initial) if interactive and tqdm is not None else _Nothing()
    return _Bar(tqdm, total, initial) if tqdm is not None else _Lines(total)
