"""Progress without tqdm: one line that rewrites itself on a terminal, a handful in a log."""

import io

from csweep.engine.progress import _Line


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_on_a_terminal_one_line_rewrites_itself():
    stream = _Terminal()
    line = _Line(90_000, stream=stream)
    for done in range(1000, 90_001, 1000):       # the README's large sweep: 90 blocks
        line.update(done)
    line.close()
    text = stream.getvalue()
    assert text.count("\n") == 1 and text.endswith("\n")
    assert text.count("\r") == 90
    last = text.rsplit("\r", 1)[1]
    assert last.startswith("csweep: 90000/90000 sets (100%)")


def test_in_a_log_a_line_per_tenth():
    stream = io.StringIO()
    line = _Line(90_000, stream=stream)
    for done in range(1000, 90_001, 1000):
        line.update(done)
    line.close()
    lines = stream.getvalue().splitlines()
    assert len(lines) == 10 and "\r" not in stream.getvalue()
    assert lines[0].startswith("csweep: 9000/90000 sets (10%)")
    assert lines[-1].startswith("csweep: 90000/90000 sets (100%)")


def test_a_resumed_sweep_reports_only_what_is_new():
    stream = io.StringIO()
    line = _Line(100, initial=50, stream=stream)
    for done in (55, 60, 100):
        line.update(done)
    assert [row.split(" sets")[0] for row in stream.getvalue().splitlines()] == \
        ["csweep: 60/100", "csweep: 100/100"]


def test_without_tqdm_a_terminal_gets_the_line_and_a_log_gets_nothing_unasked(monkeypatch):
    import sys

    from csweep.engine.progress import make_progress

    monkeypatch.setitem(sys.modules, "tqdm.auto", None)     # tqdm not installed
    monkeypatch.setattr(sys, "stderr", _Terminal())
    assert isinstance(make_progress(None, 100), _Line)
    monkeypatch.setattr(sys, "stderr", io.StringIO())
    reporter = make_progress(None, 100)
    reporter.update(100)
    assert not isinstance(reporter, _Line) and sys.stderr.getvalue() == ""
    assert isinstance(make_progress(True, 100), _Line)
