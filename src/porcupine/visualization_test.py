"""The HTML visualization: its data, that the page is self-contained, and that it renders
without script errors in headless Chromium."""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from porcupine import NEVER_RETURNED, Annotation, LinearizationInfo, check_events_verbose, check_operations_verbose, visualize
from porcupine.checker_test import get, put, register
from porcupine.corpus import corpus_file
from porcupine.formats import FORMATS
from porcupine.visualization import render, visualization_data

CHROMIUM = shutil.which("chromium") or ("/usr/bin/chromium" if os.path.exists("/usr/bin/chromium") else None)

ANNOTATIONS = [
    Annotation(tag="$ Checker", start=0, end=60, description="linearizability check", details="checking",
               background_color="#FFCDD2"),
    Annotation(tag="$ Failure", start=5, end=25, description="partition = [0] [1 2]", background_color="#B3E5FC"),
    Annotation(tag="Server 0", start=12, end=12, description="became leader", details="term 3"),
    Annotation(client_id=1, start=30, end=40, description="client note", text_color="#000000"),
]


def illegal_history():
    """put(1) ; get -> 1 ; put(2) ; get -> 1: the last get cannot be linearized."""
    return [put(0, 1, 0, 10), get(1, 1, 11, 12), put(0, 2, 13, 14), get(1, 1, 15, 16)]


def test_data_shows_where_it_breaks():
    result, info = check_operations_verbose(register, illegal_history())
    data = visualization_data(register, info)
    (part,) = data["partitions"]
    assert part["result"] == "Illegal"
    assert [o["desc"] for o in part["ops"]] == ["put(1)", "get() -> 1", "put(2)", "get() -> 1"]
    assert part["failure"] == {"blocked": 3, "candidates": [[3, False]]}
    # the prefix tree replays the longest partial linearization with its states
    node, path = part["partials"][0], []
    while node > 0:
        parent, op, state = part["nodes"][node]
        path.append((op, state))
        node = parent
    assert path[::-1] == [(0, "1"), (1, "1"), (2, "2")]
    assert part["largest"] == {"0": 0, "1": 0, "2": 0}


def test_timestamps_are_remapped_to_ranks():
    info = check_operations_verbose(register, [put(0, 1, 10**18, 10**18 + 5), get(1, 1, 10**18 + 5, 10**18 + 9)])[1]
    info.add_annotations([Annotation(tag="t", start=10**18 + 7, end=10**18 + 7)])
    data = visualization_data(register, info)
    ops = data["partitions"][0]["ops"]
    assert [(o["start"], o["end"]) for o in ops] == [(0, 100), (100, 300)]
    assert ops[0]["call"] == str(10**18)
    assert (data["annotations"][0]["start"], data["annotations"][0]["end"]) == (200, 200)


def test_calls_that_never_return_are_drawn_to_the_end():
    ops = [put(0, 7, 5, NEVER_RETURNED), get(1, 7, 6, 8), get(1, 3, 9, 10)]
    result, info = check_operations_verbose(register, ops)
    data = visualization_data(register, info)
    pending = data["partitions"][0]["ops"][0]
    assert pending["ret"] == "never" and pending["end"] == 500  # the last of 6 timestamps
    assert data["partitions"][0]["failure"]["blocked"] == 2
    _assert_self_contained(render(register, info))


def test_shared_prefixes_are_described_once():
    # a linearizable history: one complete linearization, every op maps to it
    ops = [put(i, i, 0, 10) for i in range(5)] + [get(5, 4, 11, 12)]
    result, info = check_operations_verbose(register, ops)
    part = visualization_data(register, info)["partitions"][0]
    assert part["result"] == "Ok" and "failure" not in part
    assert len(part["nodes"]) == 1 + 6


def _assert_self_contained(html: str) -> None:
    assert html.startswith("<!doctype html>")
    lowered = html.lower()
    for needle in ("<script src", "<link", "@import", "url(", "<iframe", "<img", "fetch(", "xmlhttprequest"):
        assert needle not in lowered, needle
    # the only URL is the SVG namespace name, which is never fetched
    assert set(re.findall(r"https?://[^\s\"']+", html)) <= {"http://www.w3.org/2000/svg"}
    assert "/*@DATA@*/" not in html


def test_html_for_an_illegal_history_is_self_contained(tmp_path):
    result, info = check_operations_verbose(register, illegal_history())
    info.add_annotations(ANNOTATIONS)
    path = tmp_path / "vis.html"
    visualize(register, info, path)
    html = path.read_text()
    _assert_self_contained(html)
    assert "get() -\\u003e 1" in html and "became leader" in html  # ">" is escaped in the JSON
    buf = io.StringIO()
    visualize(register, info, buf)
    assert buf.getvalue() == html


def test_data_cannot_break_out_of_the_script():
    model = type(register)(init=register.init, step=register.step,
                           describe_operation=lambda i, o: "</script><script>alert(1)</script>")
    info = check_operations_verbose(model, illegal_history())[1]
    html = render(model, info)
    assert html.count("</script>") == 1


# --- headless Chromium ------------------------------------------------------------------------

# CI sets REQUIRE_CHROMIUM=1 (it installs chromium), so that there a missing browser fails
# instead of skipping.
needs_chromium = pytest.mark.skipif(CHROMIUM is None and os.environ.get("REQUIRE_CHROMIUM") != "1",
                                    reason="chromium is not installed (apt-get install chromium)")


def _chromium(tmp_path: Path, url: str, *args: str) -> subprocess.CompletedProcess:
    assert CHROMIUM is not None, "REQUIRE_CHROMIUM=1, but chromium is not installed (apt-get install chromium)"
    profile = tmp_path / "chromium-profile"
    return subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         f"--user-data-dir={profile}", *args, url],
        capture_output=True, text=True, timeout=120,
    )


def _rendered_dom(tmp_path: Path, html_path: Path, exercise: bool = True) -> str:
    url = html_path.resolve().as_uri() + ("#exercise" if exercise else "")
    proc = _chromium(tmp_path, url, "--dump-dom")
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout


def _assert_rendered(dom: str) -> None:
    status = re.search(r'id="render-status"[^>]*>([^<]*)<', dom)
    assert status is not None, dom[:500]
    assert 'data-render="done"' in dom, f"page script failed: {status.group(1)}"
    assert status.group(1) == "rendered"


def screenshot(tmp_path: Path, html_path: Path, png: Path, size: str = "1400,900") -> None:
    """Render ``html_path`` to ``png`` (also used to make docs/porcupine-vis.png)."""
    proc = _chromium(tmp_path, html_path.resolve().as_uri(), f"--window-size={size}", f"--screenshot={png}",
                     "--hide-scrollbars")
    assert proc.returncode == 0 and png.exists(), proc.stderr[-2000:]


@needs_chromium
def test_renders_in_chromium_without_script_errors(tmp_path):
    fmt = FORMATS["jepsen-kv"]
    events = fmt.parse(corpus_file("kv", "c10-bad.txt"))
    result, info = check_events_verbose(fmt.model(events), events)
    info.add_annotations(ANNOTATIONS)
    path = tmp_path / "kv.html"
    visualize(fmt.model(events), info, path)
    dom = _rendered_dom(tmp_path, path)
    _assert_rendered(dom)
    assert "not linearizable" in dom
    assert "cannot linearize" in dom  # the jump to the first problem filled the details panel
    assert 'class="op blocked' in dom
    png = tmp_path / "kv.png"
    screenshot(tmp_path, path, png)
    assert png.stat().st_size > 10_000
    target = os.environ.get("PORCUPINE_VIS_SCREENSHOT")
    if target:
        shutil.copy(png, target)


@needs_chromium
def test_renders_linearizable_and_annotation_only_pages(tmp_path):
    ok = tmp_path / "ok.html"
    ops = [put(0, 1, 0, 10), put(1, 2, 0, 10), get(2, 1, 11, 12)]
    visualize(register, check_operations_verbose(register, ops)[1], ok)
    _assert_rendered(_rendered_dom(tmp_path, ok))
    only = tmp_path / "annotations.html"
    info = LinearizationInfo()  # a failed raft test: annotations, no operations
    info.add_annotations(ANNOTATIONS)
    visualize(register, info, only)
    dom = _rendered_dom(tmp_path, only)
    _assert_rendered(dom)
    assert "became leader" in dom


@needs_chromium
def test_a_script_error_is_detected(tmp_path):
    # the marker logic itself: a page whose data is broken must not report "done"
    result, info = check_operations_verbose(register, illegal_history())
    path = tmp_path / "broken.html"
    path.write_text(render(register, info).replace('"partitions":', '"partitionz":', 1))
    dom = _rendered_dom(tmp_path, path, exercise=False)
    assert 'data-render="error"' in dom and 'data-render="done"' not in dom
