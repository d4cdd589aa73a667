"""Tests of the simulation: its clock, its determinism, its reports, and the replay of a failure.

The simulation replaces the primitives of a whole process, so each check runs its program
(labsim.scenarios, or a pytest session with LABS_SIM=1) in a process of its own; this
session stays in real time.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import labsim
from labsim import plugin

SRC = Path(__file__).resolve().parents[1]
ROOT = SRC.parent

pytestmark = pytest.mark.labrace_exempt  # the detector has nothing to watch here: the work is in children


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LABS_SIM") and k != "LABS_RACE"}
    env["PYTHONPATH"] = str(SRC)
    env["PYTHONHASHSEED"] = "0"
    env.update(extra)
    return env


def scenario(name: str, seed: int, preempt: float = 0.3, **env: str) -> dict:
    proc = subprocess.run([sys.executable, "-m", "labsim.scenarios", name, str(seed), str(preempt)],
                          capture_output=True, text=True, env=_env(**env), timeout=120)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


# --- the clock --------------------------------------------------------------------------

def test_every_clock_and_timeout_reads_virtual_time():
    r = scenario("clock", 1)
    v = r["value"]
    assert v["after_sleep"] == pytest.approx(10.0, abs=0.01)
    assert v["event_wait"] is False and v["after_event"] == pytest.approx(12.5, abs=0.01)
    assert v["queue"] == "empty" and v["after_queue"] == pytest.approx(14.0, abs=0.01)
    assert v["lock_timeout"] is False and v["after_lock"] == pytest.approx(16.0, abs=0.01)
    assert v["alive_after_join_timeout"] is True and v["alive_after_join"] is False
    assert v["after_join"] == pytest.approx(76.0, abs=0.01)  # the sleeper's 60 s, from 16 s
    assert v["perf_counter"] == pytest.approx(v["after_join"], abs=0.01)
    assert v["real_seconds"] < 2.0, "76 virtual seconds must not take real ones"


def test_a_thread_pool_runs_on_the_virtual_clock():
    v = scenario("thread_pool", 1)["value"]
    assert v["results"] == [0, 1, 2, 3]
    assert v["at"] == pytest.approx(4.0, abs=0.01), "two workers: sleeps of 0+2 and 1+3 seconds"


def test_the_limit_stops_a_test_that_waits_for_ever_while_the_clock_moves():
    r = scenario("limit", 1)
    failure = r["failure"]
    assert "limit of 120 virtual seconds" in failure
    assert "thread 0 'MainThread' waits in Event.wait() at scenarios.py" in failure
    assert "thread 1 'ticker' waits in time.sleep()" in failure
    assert r["virtual_seconds"] <= 120


# --- determinism ------------------------------------------------------------------------

def test_the_same_seed_gives_the_same_run_and_another_seed_another():
    first, again, other = scenario("interleave", 5), scenario("interleave", 5), scenario("interleave", 6)
    assert first["value"] == again["value"] and first["digest"] == again["digest"]
    assert first["value"]["urandom"] == again["value"]["urandom"], "os.urandom must follow the seed"
    assert other["digest"] != first["digest"]
    assert other["value"]["trace"] != first["value"]["trace"]


def test_the_scheduler_finds_interleavings_that_lose_updates():
    """A read and a write under two lock holds: some seeds lose updates, and each does so again."""
    counters = {seed: scenario("lost_update", seed)["value"]["counter"] for seed in range(1, 9)}
    assert any(c < 9 for c in counters.values()), f"no seed interleaved the threads: {counters}"
    lost = next(seed for seed, c in counters.items() if c < 9)
    assert scenario("lost_update", lost)["value"]["counter"] == counters[lost]


def test_pct_finds_them_too_and_a_seed_repeats_its_schedule():
    pct = {"LABS_SIM_SCHEDULE": "pct", "LABS_SIM_PCT_STEPS": "200"}
    runs = {seed: scenario("lost_update", seed, **pct) for seed in range(1, 9)}
    lost = [seed for seed, r in runs.items() if r["value"]["counter"] < 9]
    assert lost and len(lost) < len(runs), f"pct lost updates under seeds {lost} of 1-8"
    again = scenario("lost_update", lost[0], **pct)
    assert again["digest"] == runs[lost[0]]["digest"] and again["value"] == runs[lost[0]]["value"]
    assert scenario("lost_update", lost[0])["digest"] != again["digest"], "pct is not the random walk"


def test_without_preemption_only_blocking_switches_threads():
    counters = {scenario("lost_update", seed, preempt=0.0)["value"]["counter"] for seed in range(1, 4)}
    assert counters == {9}, "with no preemption the lock holds of one thread run back to back"


def test_timer_slack_lets_near_timers_fire_together_and_never_early():
    """Without slack a clock that wakes one timer at a time never lets sleepers due 3 ms apart
    run side by side; with LABS_SIM_SLACK=0.01 some seeds do, and no sleep ends early."""
    exact = [scenario("near_timers", seed)["value"] for seed in range(1, 7)]
    assert not any(v["overlap"] for v in exact), exact
    on_time = {"a": pytest.approx(1.0, abs=1e-3), "b": pytest.approx(1.003, abs=1e-3)}  # plus a few steps
    assert all(v["woke"] == on_time for v in exact), exact
    slack = [scenario("near_timers", seed, LABS_SIM_SLACK="0.01")["value"] for seed in range(1, 7)]
    assert any(v["overlap"] for v in slack), slack
    for v in slack:
        assert 1.0 <= v["woke"]["a"] <= 1.0 + 0.01 + 1e-3, v
        assert 1.003 <= v["woke"]["b"] <= max(1.003, v["woke"]["a"]) + 0.01 + 1e-3, v
    first = scenario("near_timers", 3, LABS_SIM_SLACK="0.01")
    assert first == scenario("near_timers", 3, LABS_SIM_SLACK="0.01"), "slack draws on the seed's stream"


def test_a_fatal_error_in_another_thread_ends_the_test_s_wait_at_once_and_at_the_same_time():
    """labfatal's interrupt is a scheduling decision in simulation, not a signal: it repeats."""
    runs = [scenario("fatal_while_sleeping", seed)["value"] for seed in (1, 1, 2)]
    for r in runs:
        assert r["raised"] == "apply error: index 7" and r["recorded"] == ["apply error: index 7"]
        assert 1.25 <= r["at"] < 1.3, "the 30 s sleep ends when the error is raised, not after"
    assert runs[0] == runs[1]


# --- the report of a run that cannot go on -------------------------------------------------

def test_a_deadlock_is_a_report_that_names_each_lock_its_holder_and_where_it_was_taken():
    r = scenario("deadlock", 1)
    failure = r["failure"]
    assert failure.startswith("labsim: deadlock: no thread can run and no timer is set")
    assert "seed 1" in failure
    a_line = _line_of("with a:\n            both.wait()")
    b_line = _line_of("with b:\n            both.wait()")
    assert (f"'takes-a-then-b' waits in Lock.acquire() at scenarios.py:{a_line + 2}: the lock is held "
            f"by thread 2 'takes-b-then-a', taken at scenarios.py:{b_line}") in failure
    assert (f"'takes-b-then-a' waits in Lock.acquire() at scenarios.py:{b_line + 2}: the lock is held "
            f"by thread 1 'takes-a-then-b', taken at scenarios.py:{a_line}") in failure
    assert "thread 0 'MainThread' waits in Thread.join()" in failure
    assert 'in first\n        with b:' in failure, "each thread's stack is printed"


def _line_of(snippet: str) -> int:
    text = (SRC / "labsim" / "scenarios.py").read_text()
    return text[:text.index(snippet)].count("\n") + 1


def test_threads_left_running_are_taken_down_and_their_finally_blocks_run():
    r = scenario("left_running", 1)
    assert sorted(r["value"]["cleaned"]) == ["sleeper", "waiter"]
    assert r["threads_after"] == ["MainThread"], "no OS thread of the run is left behind"


# --- the pytest session: seeds, digests, replay --------------------------------------------

RACY_TEST = textwrap.dedent('''
    import pytest

    from labsim.scenarios import lost_update

    pytestmark = pytest.mark.labsim


    def test_counter():
        r = lost_update()
        assert r["counter"] == r["expected"], f"lost {r['expected'] - r['counter']} updates"
''')



def _session(tmp_path: Path, seed: int, *args: str, **env: str) -> subprocess.CompletedProcess:
    conftest = tmp_path / "conftest.py"
    if not conftest.exists():
        conftest.write_text((SRC / "conftest.py").read_text())
        (tmp_path / "racy_test.py").write_text(RACY_TEST)
    cmd = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "-o", "python_files=*_test.py",
           "--rootdir", str(tmp_path), *args]
    return subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True, timeout=300,
                          env=_env(LABS_SIM="1", LABS_SIM_SEED=str(seed), LABS_SIM_PREEMPT="0.3", **env))


def test_a_failure_prints_the_line_that_replays_it_and_the_replay_fails_the_same_way(tmp_path):
    failed = None
    for seed in range(1, 20):
        proc = _session(tmp_path, seed, "racy_test.py")
        if proc.returncode != 0:
            failed = (seed, proc)
            break
    assert failed is not None, "no seed of 19 lost an update"
    seed, proc = failed
    out = proc.stdout
    replay = re.search(r"^labsim: replay: (.*)$", out, re.M)
    assert replay, out
    line = replay.group(1)
    assert f"LABS_SIM_SEED={seed}" in line and "racy_test.py::test_counter" in line
    when = re.search(r"replay \(failed at virtual time ([0-9.]+)s\)", out)
    message = re.search(r"AssertionError: (lost \d+ updates)", out)
    assert when and message, out

    words = shlex.split(line)
    env = dict(w.split("=", 1) for w in words if "=" in w and not w.startswith("-") and "::" not in w)
    argv = [w for w in words if w not in {f"{k}={v}" for k, v in env.items()}]
    assert argv[:3] == [".venv/bin/python", "-m", "pytest"]
    again = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q",
                            "-o", "python_files=*_test.py", "--rootdir", str(tmp_path), *argv[3:]],
                           cwd=tmp_path, capture_output=True, text=True, timeout=300, env=_env(**env))
    assert again.returncode != 0, again.stdout
    assert f"replay (failed at virtual time {when.group(1)}s)" in again.stdout
    assert f"AssertionError: {message.group(1)}" in again.stdout


def test_a_session_reports_each_test_s_digest_and_they_repeat(tmp_path):
    digests = []
    for seed in (3, 3, 4):
        report = tmp_path / f"report-{len(digests)}.jsonl"
        _session(tmp_path, seed, "racy_test.py", LABS_SIM_REPORT=str(report))
        (record,) = [json.loads(line) for line in report.read_text().splitlines()]
        assert record["nodeid"] == "racy_test.py::test_counter" and record["seed"] == seed
        digests.append(record["digest"])
    assert digests[0] == digests[1] and digests[2] != digests[0]


def test_replay_command_names_the_settings_of_the_run(monkeypatch):
    monkeypatch.setenv("LABS_SIM_PREEMPT", "0.2")
    monkeypatch.setenv("LABS_SIM_SCHEDULE", "pct")
    monkeypatch.setenv("LABS_SIM_SLACK", "0.005")
    monkeypatch.setenv("PYTHONHASHSEED", "0")
    line = plugin.replay_command("src/raft1/raft_test.py::test_x", 42)
    assert line == ("LABS_SIM=1 LABS_SIM_SEED=42 LABS_SIM_PREEMPT=0.2 LABS_SIM_SCHEDULE=pct LABS_SIM_SLACK=0.005 "
                    "PYTHONHASHSEED=0 "
                    ".venv/bin/python -m pytest src/raft1/raft_test.py::test_x")


@pytest.mark.parametrize("name,value,message,read", [
    ("LABS_SIM_SEED", "seven", "LABS_SIM_SEED must be an integer", labsim.seed),
    ("LABS_SIM_PREEMPT", "2", "LABS_SIM_PREEMPT must be between 0 and 1", labsim.preempt),
    ("LABS_SIM_SCHEDULE", "fair", "LABS_SIM_SCHEDULE must be random or pct, not 'fair'", labsim.schedule),
    ("LABS_SIM_PCT_DEPTH", "0", "must be at least 1", labsim.schedule),
    ("LABS_SIM_SLACK", "5ms", "LABS_SIM_SLACK must be a number, not '5ms'", labsim.schedule),
    ("LABS_SIM_SLACK", "-0.1", "LABS_SIM_SLACK must be between 0 and 1", labsim.schedule),
])
def test_a_bad_setting_is_a_clear_error(monkeypatch, name, value, message, read):
    monkeypatch.setenv(name, value)
    monkeypatch.setattr(labsim, "_seed", None)
    with pytest.raises(SystemExit, match=message):
        read()


def test_the_stress_runner_gives_each_run_a_seed_and_lists_the_failed_ones(tmp_path):
    seeds = range(1, 7)
    failing = [seed for seed in seeds if _session(tmp_path, seed, "racy_test.py").returncode != 0]
    assert failing and len(failing) < len(seeds), f"failing seeds {failing}: no contrast to check"
    out = tmp_path / "stress"
    cmd = [sys.executable, "-m", "labtools.stress", "-n", str(len(seeds)), "-p", "2", "--seed", "1",
           "--out", str(out), "--", "-o", "python_files=*_test.py", "--rootdir", str(tmp_path), "racy_test.py"]
    proc = subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True, timeout=300,
                          env=_env(LABS_SIM="1", LABS_SIM_PREEMPT="0.3"))
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert (out / "failed-seeds.txt").read_text().strip() == ",".join(map(str, failing))
    listed = ",".join(map(str, failing))
    hint = f"LABS_SIM=1 LABS_SIM_PREEMPT=0.3 .venv/bin/python -m labtools.stress --seeds {listed} -- -o"
    assert hint in " ".join(proc.stdout.split()), "the replay hint keeps the schedule's settings"

    again = subprocess.run([*cmd[:3], "--seeds", ",".join(map(str, failing)), *cmd[9:]], cwd=tmp_path,
                           capture_output=True, text=True, timeout=300,
                           env=_env(LABS_SIM="1", LABS_SIM_PREEMPT="0.3"))
    assert again.returncode == 1 and f"{len(failing)} of {len(failing)} runs failed" in again.stdout, again.stdout


def test_the_stress_runner_refuses_seeds_without_the_simulation(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "labtools.stress", "--seeds", "1,2"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=60, env=_env())
    assert proc.returncode == 2 and "need the simulation: set LABS_SIM=1" in proc.stderr


def _raft_run(seed: int, report: Path) -> str:
    proc = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q",
                           "src/raft1/raft_test.py::test_initial_election_3a",
                           "src/raft1/raft_test.py::test_basic_agree_3b"],
                          cwd=ROOT, capture_output=True, text=True, timeout=300,
                          env=_env(LABS_SIM="1", LABS_SIM_SEED=str(seed), LABS_SIM_REPORT=str(report)))
    assert proc.returncode == 0, proc.stdout[-3000:]
    return re.sub(r" in [0-9.]+s\b", "", proc.stdout)  # pytest's own real-time total


def test_raft_tests_repeat_byte_for_byte_under_one_seed_and_differ_under_another(tmp_path):
    outputs, digests = [], []
    for i, seed in enumerate((7, 7, 8)):
        report = tmp_path / f"{i}.jsonl"
        outputs.append(_raft_run(seed, report))
        digests.append([json.loads(line)["digest"] for line in report.read_text().splitlines()])
    assert outputs[0] == outputs[1], "the same seed must give the same output, byte for byte"
    assert digests[0] == digests[1] and len(digests[0]) == 2
    assert digests[2][0] != digests[0][0] and digests[2][1] != digests[0][1]
    assert "#RPCs" in outputs[0] and "labsim: seed 7, 2 test(s) simulated" in outputs[0]
