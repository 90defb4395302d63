"""``log_lines.capture``: a call's own printed and logged lines, nothing else."""

from __future__ import annotations

import io
import logging
import sys
import threading

import pytest

from convexhttp import log_lines


def test_only_what_this_context_prints_or_logs_inside_the_block(
    capsys: pytest.CaptureFixture[str],
) -> None:
    log = logging.getLogger("log_lines_test")
    print("before")
    with log_lines.capture() as lines:
        print("a", 1, sep="-")
        print("to stderr", file=sys.stderr)
        print("to a file", file=io.StringIO())
        log.error("failed %d", 3)
        log.debug("below the level")
        logging.getLogger("convexhttp").warning("the framework's own")
        other = threading.Thread(target=print, args=("another thread",))
        other.start()
        other.join()
    print("after")
    assert lines == ["[LOG] a-1", "[ERROR] to stderr", "[ERROR] failed 3"]
    out = capsys.readouterr().out
    assert "a-1" in out and "another thread" in out and "after" in out


def test_a_nested_capture_keeps_its_lines_apart() -> None:
    with log_lines.capture() as outer:
        print("outer")
        with log_lines.capture() as inner:
            print("inner")
        print("outer again")
    assert (outer, inner) == (["[LOG] outer", "[LOG] outer again"], ["[LOG] inner"])


def test_a_record_with_bad_format_arguments_still_becomes_a_line() -> None:
    quiet = logging.getLogger("log_lines_test.quiet")
    quiet.propagate = False  # its own handler formats nothing (and so fails on nothing)
    quiet.addHandler(logging.NullHandler())
    with log_lines.capture() as lines:
        quiet.warning("%d items", "many")
    assert lines == ["[WARN] %d items"]
