"""Progress reporting for long sweeps: a tqdm bar (``pip install 'csweep[progress]'``), a line of
text without tqdm, a callable, or nothing."""

from __future__ import annotations

import contextlib
import sys
import time
from collections.abc import Callable, Iterator
from typing import Protocol, TextIO


class Reporter(Protocol):
    def update(self, done: int) -> None: ...

    def close(self) -> None: ...


class _Nothing:
    def update(self, done: int) -> None:
        pass

    def close(self) -> None:
        pass


class _Callback:
    def __init__(self, func: Callable[[int, int], object], total: int):
        self.func, self.total = func, total

    def update(self, done: int) -> None:
        self.func(done, self.total)

    def close(self) -> None:
        pass


class _Bar:
    def __init__(self, tqdm: Callable, total: int, initial: int):
        self.bar = tqdm(total=total, initial=initial, unit="set", desc="csweep",
                        dynamic_ncols=True)

    def update(self, done: int) -> None:
        self.bar.update(done - self.bar.n)

    def close(self) -> None:
        self.bar.close()


class _Line:
    """Without tqdm: on a terminal, one line on stderr that rewrites itself after each block;
    elsewhere (a log file, a pipe) a line each time another tenth of the sweep is done."""

    STEPS = 10

    def __init__(self, total: int, initial: int = 0, stream: TextIO | None = None):
        self.stream = sys.stderr if stream is None else stream
        self.terminal = bool(getattr(self.stream, "isatty", lambda: False)())
        self.total, self.initial = total, initial
        self.started = time.monotonic()
        self.reported = initial * self.STEPS // max(total, 1)   # tenths already done
        self.width = 0

    def text(self, done: int) -> str:
        seconds = time.monotonic() - self.started
        text = f"csweep: {done}/{self.total} sets ({100 * done // max(self.total, 1)}%), {seconds:.0f} s"
        if self.initial < done < self.total and seconds > 0:
            left = seconds * (self.total - done) / (done - self.initial)
            text += f", about {left:.0f} s left" if left < 120 else f", about {left / 60:.0f} min left"
        return text

    def update(self, done: int) -> None:
        if self.terminal:
            text = self.text(done)
            # pad over the end of a longer line written before
            self.stream.write("\r" + text.ljust(self.width))
            self.width = len(text)
        else:
            tenth = done * self.STEPS // max(self.total, 1)
            if tenth <= self.reported:
                return
            self.reported = tenth
            self.stream.write(self.text(done) + "\n")
        self.stream.flush()

    def close(self) -> None:
        if self.terminal and self.width:
            self.stream.write("\n")
            self.stream.flush()


def check_progress(progress) -> None:
    """None, True, False or a callable (done, total)."""
    if progress is None or isinstance(progress, bool) or callable(progress):
        return
    raise TypeError(f"progress must be None, True, False or a callable (done, total); "
                    f"received {progress!r}")


def make_progress(progress: bool | Callable[[int, int], object] | None, total: int,
                  initial: int = 0) -> Reporter:
    """``progress``: None (on an interactive terminal, a bar, or without tqdm a line that updates
    itself), True (the same, also when stderr is not a terminal: there, without tqdm, a line per
    tenth of the sweep), False (nothing), or a callable receiving (done, total)."""
    if progress is False:
        return _Nothing()
    if callable(progress) and not isinstance(progress, bool):
        reporter = _Callback(progress, total)
        reporter.update(initial)
        return reporter
    check_progress(progress)
    try:
        from tqdm.auto import tqdm  # noqa: PLC0415 (optional dependency)
    except ImportError:
        tqdm = None
    if progress is None and not getattr(sys.stderr, "isatty", lambda: False)():
        return _Nothing()
    return _Bar(tqdm, total, initial) if tqdm is not None else _Line(total, initial)


@contextlib.contextmanager
def reporting(progress: bool | Callable[[int, int], object] | None, total: int,
              initial: int = 0) -> Iterator[Reporter]:
    """:func:`make_progress`'s reporter for the length of a ``with`` block, closed however the
    block ends: how every engine (in memory, store, cluster) reports its blocks."""
    reporter = make_progress(progress, total, initial)
    try:
        yield reporter
    finally:
        reporter.close()

