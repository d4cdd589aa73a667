"""The disk persister: atomic pairs, restart semantics, bad files, and crashes at random moments."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from tester1 import disk_persister as dp
from tester1.disk_persister import DiskPersister, PersisterError, read_folder


def test_round_trip_and_restart_reads_the_files(tmp_path: Path):
    p = DiskPersister.open(tmp_path / "s" / "inc-1")
    p.save(b"state-1", b"snap-1", snapshot_index=10, snapshot_term=2)
    p.save(b"state-2", b"snap-1")
    assert p.read_raft_state() == b"state-2" and p.read_snapshot() == b"snap-1"
    successor = p.copy()
    assert successor.folder != p.folder
    assert successor.read_raft_state() == b"state-2" and successor.read_snapshot() == b"snap-1"
    snap = dp.read_snapshot_file(next(p.folder.glob("snapshot-*")))
    assert (snap.last_included_index, snap.last_included_term) == (10, 2)


def test_save_none_clears_the_snapshot_as_in_go(tmp_path: Path):
    p = DiskPersister.open(tmp_path / "inc-1")
    p.save(b"a", b"snap")
    p.save(b"b", None)
    assert read_folder(p.folder)[1:] == (b"b", b"")
    assert not list(p.folder.glob("snapshot-*"))


def test_late_writes_of_a_dead_instance_never_reach_its_successor(tmp_path: Path):
    old = DiskPersister.open(tmp_path / "inc-1")
    old.save(b"before-crash", b"s1")
    successor = old.copy()  # what the tester does at shutdown, before killing the services
    old.save(b"written by the dying instance", b"s2")
    again = successor.copy()  # the restart
    assert again.read_raft_state() == b"before-crash" and again.read_snapshot() == b"s1"


def test_async_saves_coalesce_and_the_newest_wins(tmp_path: Path):
    p = DiskPersister.open(tmp_path / "inc-1")
    gens = [p.save_async(f"state-{i}".encode(), f"snap-{i // 10}".encode()) for i in range(100)]
    p.wait_durable(gens[-1])
    assert read_folder(p.folder)[1:] == (b"state-99", b"snap-9")
    assert len(list(p.folder.glob("snapshot-*"))) == 1


def test_closing_lets_a_test_remove_its_folder_while_a_dead_raft_still_saves(tmp_path: Path):
    import threading

    root = tmp_path / "test-folder"
    old = DiskPersister.open(root / "server-0-1" / "inc-1")
    new = old.copy()  # a restart: the dead instance keeps its own persister
    stop = threading.Event()
    errors: list[BaseException] = []

    def dead_raft_saving() -> None:
        try:
            while not stop.is_set():
                old.wait_durable(old.save_async(os.urandom(2000), b"snap"))
        except BaseException as e:  # would surface as a thread error in a test run
            errors.append(e)

    t = threading.Thread(target=dead_raft_saving)
    t.start()
    time.sleep(0.05)
    dp.close_under(root)  # what Config.cleanup does before removing the folder
    dp.remove_tree(root)
    time.sleep(0.05)
    stop.set()
    t.join(5)
    assert not t.is_alive() and errors == []
    assert not root.exists(), "a write after close recreated part of the folder"
    assert new.save_async(b"x", None) > 0  # closed persisters accept saves and drop them


def test_leftover_temp_file_is_ignored(tmp_path: Path):
    p = DiskPersister.open(tmp_path / "inc-1")
    p.save(b"good", b"snap")
    (p.folder / "state.tmp").write_bytes(b"half a write")
    (p.folder / "snapshot-99.tmp").write_bytes(b"junk")
    assert read_folder(p.folder)[1:] == (b"good", b"snap")


def _saved(tmp_path: Path) -> Path:
    p = DiskPersister.open(tmp_path / "inc-1")
    p.save(b"state " * 20, b"snapshot " * 20)
    return p.folder


def test_truncated_state_file(tmp_path: Path):
    folder = _saved(tmp_path)
    data = (folder / "state").read_bytes()
    (folder / "state").write_bytes(data[:-5])
    with pytest.raises(PersisterError, match=r"/state: truncated Raft state file: header says \d+ payload"):
        read_folder(folder)
    (folder / "state").write_bytes(data[:10])
    with pytest.raises(PersisterError, match="shorter than its"):
        read_folder(folder)


def test_corrupt_state_file(tmp_path: Path):
    folder = _saved(tmp_path)
    data = bytearray((folder / "state").read_bytes())
    data[-3] ^= 0xFF
    (folder / "state").write_bytes(bytes(data))
    with pytest.raises(PersisterError, match="/state: corrupt Raft state file: checksum mismatch"):
        read_folder(folder)


def test_wrong_version_state_file(tmp_path: Path):
    folder = _saved(tmp_path)
    data = bytearray((folder / "state").read_bytes())
    data[8:10] = (7).to_bytes(2, "big")
    (folder / "state").write_bytes(bytes(data))
    with pytest.raises(PersisterError, match="format version 7; this code reads version 1"):
        read_folder(folder)


def test_not_a_state_file(tmp_path: Path):
    folder = _saved(tmp_path)
    (folder / "state").write_bytes(b"x" * 100)
    with pytest.raises(PersisterError, match="not a Raft state file"):
        read_folder(folder)


def test_truncated_corrupt_and_missing_snapshot(tmp_path: Path):
    folder = _saved(tmp_path)
    snap = next(folder.glob("snapshot-*"))
    data = snap.read_bytes()
    snap.write_bytes(data[:-1])
    with pytest.raises(PersisterError, match=r"snapshot-\d+: truncated snapshot file"):
        read_folder(folder)
    corrupt = bytearray(data)
    corrupt[-1] ^= 1
    snap.write_bytes(bytes(corrupt))
    with pytest.raises(PersisterError, match="corrupt snapshot file"):
        read_folder(folder)
    wrong = bytearray(data)
    wrong[8:10] = (2).to_bytes(2, "big")
    snap.write_bytes(bytes(wrong))
    with pytest.raises(PersisterError, match="snapshot file has format version 2"):
        read_folder(folder)
    snap.unlink()
    with pytest.raises(PersisterError, match="missing: .*/state .* refers to it"):
        read_folder(folder)


def test_restart_from_a_bad_file_is_an_error_not_an_empty_state(tmp_path: Path):
    p = DiskPersister.open(tmp_path / "inc-1")
    p.save(b"state", b"snap")
    (p.folder / "state").write_bytes(b"RAFTSTAT" + b"\x00" * 5)
    with pytest.raises(PersisterError, match="truncated Raft state file"):
        p.copy()


_CHILD = textwrap.dedent("""
    import sys
    from pathlib import Path
    from tester1.disk_persister import DiskPersister
    p = DiskPersister.open(Path(sys.argv[1]))
    i = int(p.read_raft_state().split(b":")[0] or 0) if p.read_raft_state() else 0
    print("ready", flush=True)
    while True:
        i += 1
        j = i // 3
        # each state names the snapshot it goes with; a mix would show j != the snapshot's id
        p.save(f"{i}:{j}:".encode() + b"s" * (i % 500), f"snap-{j}".encode() + b"p" * (j % 300))
""")


@pytest.mark.labsim_exempt  # it kills a child process at random moments of real time
def test_sigkill_at_random_moments_leaves_a_complete_pair(tmp_path: Path):
    """Beyond Go: 100 crashes mid-write; every time the files are one complete, earlier save."""
    folder = tmp_path / "crash" / "inc-1"
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    rng = random.Random(6_5840)
    last_i = 0
    for _ in range(100):
        child = subprocess.Popen([sys.executable, "-c", _CHILD, str(folder)], stdout=subprocess.PIPE, env=env)
        assert child.stdout is not None and child.stdout.readline() == b"ready\n"
        time.sleep(rng.uniform(0, 0.03))
        child.send_signal(signal.SIGKILL)
        child.wait()
        _, state, snapshot = read_folder(folder)
        if not state:
            assert last_i == 0, "a crash lost every earlier save"
            continue
        i, j, _ = state.split(b":", 2)
        assert snapshot.startswith(b"snap-%d" % int(j)) and snapshot == (
            b"snap-%d" % int(j) + b"p" * (int(j) % 300)), f"state {i}:{j} paired with {snapshot[:20]!r}"
        assert int(j) == int(i) // 3 and state == b"%d:%d:" % (int(i), int(j)) + b"s" * (int(i) % 500)
        assert int(i) >= last_i, "a crash went back before a save that had been durable"
        last_i = int(i)
    assert last_i > 100, "the child hardly ever got to save; the crashes tested nothing"
