"""A persister that keeps Raft state and snapshots in files, safe against crashes.

Enabled by ``PERSISTER_DISK=1``; files go under ``PERSISTER_DIR`` (default
``raft-data``), one folder per test, server and incarnation. Each save writes a
fresh temporary file, fsyncs it, renames it over the old one and fsyncs the
folder, so after a crash a file holds either the old or the new contents, never a
mix. The Raft state and the snapshot must change together, as Go's Save promises,
so every save has a generation number: a snapshot is written to its own file
``snapshot-<gen>`` first, then the state file, which names the snapshot it goes
with, is renamed into place; only then are older snapshots deleted. Whatever the
moment of a crash, the state file and the snapshot it names are a pair that was
saved together.

Writes happen on a background thread that coalesces bursts: ``save`` waits until
its generation (or a later one) is durable, ``save_async`` does not. A restarted
server gets a new folder, filled from what the old one holds *on disk*, so it sees
only what was durably written, and the dead instance's late writes land in its
own folder, never in its successor's.
"""

from __future__ import annotations

import os
import re
import shutil
import struct
import threading
import weakref
import zlib
from dataclasses import dataclass
from pathlib import Path

from tester1.persister import Persister, _as_bytes

STATE_FILE = "state"
SNAPSHOT_PREFIX = "snapshot-"
TMP_SUFFIX = ".tmp"
FORMAT_VERSION = 1

_STATE_MAGIC = b"RAFTSTAT"
_SNAP_MAGIC = b"RAFTSNAP"
# magic, format version, generation, snapshot generation, payload length, crc32 of the rest
_STATE_HEADER = struct.Struct(">8sHQQQI")
# magic, format version, generation, last included index, last included term, payload length, crc32
_SNAP_HEADER = struct.Struct(">8sHQqqQI")

fsync_count = 0  # every fsync of a file or folder, for the benchmark's fsyncs per entry
_fsync_lock = threading.Lock()


class PersisterError(Exception):
    """A persisted file is missing, truncated, corrupt or of another format version."""


def _fsync(fd: int) -> None:
    global fsync_count
    os.fsync(fd)
    with _fsync_lock:
        fsync_count += 1


def _write_durably(folder: Path, name: str, data: bytes) -> None:
    """Write data as folder/name: temp file, fsync, rename over, fsync the folder."""
    tmp = folder / (name + TMP_SUFFIX)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
        _fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, folder / name)
    dfd = os.open(folder, os.O_RDONLY)
    try:
        _fsync(dfd)
    finally:
        os.close(dfd)


def _crc(header_without_crc: bytes, payload: bytes) -> int:
    return zlib.crc32(payload, zlib.crc32(header_without_crc))


def encode_state(gen: int, snap_gen: int, payload: bytes) -> bytes:
    head = _STATE_HEADER.pack(_STATE_MAGIC, FORMAT_VERSION, gen, snap_gen, len(payload), 0)[:-4]
    return head + struct.pack(">I", _crc(head, payload)) + payload


def encode_snapshot(gen: int, index: int, term: int, payload: bytes) -> bytes:
    head = _SNAP_HEADER.pack(_SNAP_MAGIC, FORMAT_VERSION, gen, index, term, len(payload), 0)[:-4]
    return head + struct.pack(">I", _crc(head, payload)) + payload


@dataclass
class StateFile:
    gen: int
    snap_gen: int
    payload: bytes


@dataclass
class SnapshotFile:
    gen: int
    last_included_index: int
    last_included_term: int
    payload: bytes


def _check(path: Path, data: bytes, header: struct.Struct, magic: bytes, kind: str) -> tuple:
    if len(data) < header.size:
        raise PersisterError(f"{path}: truncated {kind} file: {len(data)} bytes, shorter than its "
                             f"{header.size}-byte header")
    fields = header.unpack_from(data)
    if fields[0] != magic:
        raise PersisterError(f"{path}: not a {kind} file (magic {fields[0]!r}, expected {magic!r})")
    if fields[1] != FORMAT_VERSION:
        raise PersisterError(f"{path}: {kind} file has format version {fields[1]}; this code reads "
                             f"version {FORMAT_VERSION}")
    length, crc = fields[-2], fields[-1]
    payload = data[header.size:]
    if len(payload) != length:
        raise PersisterError(f"{path}: truncated {kind} file: header says {length} payload bytes, "
                             f"file has {len(payload)}")
    if _crc(data[: header.size - 4], payload) != crc:
        raise PersisterError(f"{path}: corrupt {kind} file: checksum mismatch")
    return fields


def read_state_file(path: Path) -> StateFile:
    data = path.read_bytes()
    _, _, gen, snap_gen, _, _ = _check(path, data, _STATE_HEADER, _STATE_MAGIC, "Raft state")
    return StateFile(gen, snap_gen, data[_STATE_HEADER.size:])


def read_snapshot_file(path: Path) -> SnapshotFile:
    data = path.read_bytes()
    _, _, gen, index, term, _, _ = _check(path, data, _SNAP_HEADER, _SNAP_MAGIC, "snapshot")
    return SnapshotFile(gen, index, term, data[_SNAP_HEADER.size:])


def read_folder(folder: Path) -> tuple[int, bytes, bytes]:
    """The durable (generation, raftstate, snapshot) in a folder; empty if nothing was saved.

    Leftover temporary files are ignored. A missing or damaged file that the state
    refers to is an error naming the file, never a silently wrong state.
    """
    state_path = folder / STATE_FILE
    if not state_path.exists():
        return 0, b"", b""
    state = read_state_file(state_path)
    if state.snap_gen == 0:
        return state.gen, state.payload, b""
    snap_path = folder / f"{SNAPSHOT_PREFIX}{state.snap_gen}"
    if not snap_path.exists():
        raise PersisterError(f"{snap_path}: missing: {state_path} (generation {state.gen}) refers to it")
    snap = read_snapshot_file(snap_path)
    if snap.gen != state.snap_gen:
        raise PersisterError(f"{snap_path}: holds generation {snap.gen}, but {state_path} expects "
                             f"{state.snap_gen}")
    return state.gen, state.payload, snap.payload


@dataclass
class _Pending:
    gen: int
    raftstate: bytes
    snapshot: bytes
    snapshot_changed: bool
    snapshot_index: int
    snapshot_term: int


_live: weakref.WeakSet[DiskPersister] = weakref.WeakSet()  # for close_under
_live_lock = threading.Lock()


class DiskPersister(Persister):
    """The same API as the memory Persister; a restarted server reads only what is durable on disk."""

    writes_in_background = True

    def __init__(self, folder: Path, initial: tuple[int, bytes, bytes] = (0, b"", b"")) -> None:
        super().__init__()
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        gen, state, snapshot = initial
        self._durable_gen = gen  # the newest generation on disk
        self._snap_gen = gen if snapshot else 0
        self._raftstate, self._snapshot = state, snapshot  # what read_* return: the latest save
        self._gen = gen
        self._queued_snapshot = snapshot  # the snapshot of the newest save handed to the writer
        self._pending: _Pending | None = None
        self._cond = threading.Condition(self._lock)
        self._writer: threading.Thread | None = None
        self._writing = False  # the writer is in the middle of a write
        self._closed = False
        self._error: BaseException | None = None
        with _live_lock:
            _live.add(self)
        if gen:
            self._write_pair(_Pending(gen, state, snapshot, bool(snapshot), -1, -1))

    @classmethod
    def open(cls, folder: Path) -> "DiskPersister":
        """A persister for ``folder``, starting from what is durably there."""
        return cls(folder, read_folder(folder) if folder.exists() else (0, b"", b""))

    # --- the Persister API ------------------------------------------------------------

    def copy(self) -> "DiskPersister":
        """A persister in a new folder holding what this one has on disk now.

        The tester calls this when it shuts a server down and when it restarts it: the
        new incarnation reads the files, and this one, which a dying Raft may still
        write to, keeps writing only to its own folder.
        """
        new_folder = _next_incarnation(self.folder)
        return type(self)(new_folder, read_folder(self.folder))

    def save(self, raftstate: bytes, snapshot: bytes | None, snapshot_index: int = -1,
             snapshot_term: int = -1) -> None:
        """Save both atomically and return once they are durable."""
        self.wait_durable(self.save_async(raftstate, snapshot, snapshot_index, snapshot_term))

    def save_async(self, raftstate: bytes, snapshot: bytes | None, snapshot_index: int = -1,
                   snapshot_term: int = -1) -> int:
        """Queue a save and return its generation at once; read_* see it immediately."""
        raftstate = _as_bytes(raftstate, "raftstate")
        snapshot = b"" if snapshot is None else _as_bytes(snapshot, "snapshot")
        with self._cond:
            self._raise_writer_error()
            self._gen += 1
            if self._closed:  # the test is over and its folder going: a dead instance's save
                self._raftstate, self._snapshot = raftstate, snapshot
                self._durable_gen = self._gen
                return self._gen
            changed = snapshot is not self._queued_snapshot and snapshot != self._queued_snapshot
            if self._pending is not None and self._pending.snapshot_changed:
                changed = True  # the pending save being replaced had a new snapshot
            self._queued_snapshot = snapshot
            self._pending = _Pending(self._gen, raftstate, snapshot, changed, snapshot_index, snapshot_term)
            self._raftstate, self._snapshot = raftstate, snapshot
            if self._writer is None:
                self._writer = threading.Thread(target=self._write_loop, name=f"persister {self.folder}",
                                                daemon=True)
                self._writer.start()
            self._cond.notify_all()
            return self._gen

    def wait_durable(self, gen: int) -> None:
        """Block until generation ``gen`` (or a later one) is on disk."""
        with self._cond:
            while self._durable_gen < gen and self._error is None:
                self._cond.wait()
            self._raise_writer_error()

    def durable_generation(self) -> int:
        with self._cond:
            return self._durable_gen

    def close(self) -> None:
        """Stop writing, once a write in progress is done; later saves are dropped.

        The tester closes every persister of a test before it removes the test's
        folder: a killed Raft's threads may still be saving, and a write into a
        folder being removed would fail (or leave a file behind). Waiters are
        released, since nothing of a finished test will be read again.
        """
        with self._cond:
            self._closed = True
            self._pending = None
            while self._writing:
                self._cond.wait()
            self._durable_gen = self._gen
            self._cond.notify_all()

    # --- the background writer ------------------------------------------------------------

    def _raise_writer_error(self) -> None:
        if self._error is not None:
            raise PersisterError(f"{self.folder}: an earlier write failed: {self._error}") from self._error

    def _write_loop(self) -> None:
        while True:
            with self._cond:
                while self._pending is None and not self._closed:
                    self._cond.wait()
                if self._closed:
                    return
                job, self._pending = self._pending, None
                self._writing = True
            try:
                self._write_pair(job)
            except BaseException as e:  # reported to every waiter and later saver
                with self._cond:
                    self._error = e
                    self._writing = False
                    self._cond.notify_all()
                return
            with self._cond:
                self._writing = False
                self._durable_gen = max(self._durable_gen, job.gen)
                self._cond.notify_all()

    def _write_pair(self, job: _Pending) -> None:
        if job.snapshot_changed and job.snapshot:
            _write_durably(self.folder, f"{SNAPSHOT_PREFIX}{job.gen}",
                           encode_snapshot(job.gen, job.snapshot_index, job.snapshot_term, job.snapshot))
            snap_gen = job.gen
        elif job.snapshot:
            snap_gen = self._snap_gen
        else:
            snap_gen = 0
        _write_durably(self.folder, STATE_FILE, encode_state(job.gen, snap_gen, job.raftstate))
        self._snap_gen = snap_gen
        for old in self.folder.glob(f"{SNAPSHOT_PREFIX}*"):
            m = re.fullmatch(rf"{SNAPSHOT_PREFIX}(\d+)", old.name)
            if m and int(m.group(1)) != snap_gen:
                old.unlink(missing_ok=True)  # older (superseded) or newer (from a crash); never ours


def _next_incarnation(folder: Path) -> Path:
    """server/inc-<n> -> server/inc-<n+1>, skipping any that exist."""
    m = re.fullmatch(r"inc-(\d+)", folder.name)
    parent, n = (folder.parent, int(m.group(1))) if m else (folder, 0)
    while True:
        n += 1
        candidate = parent / f"inc-{n}"
        if not candidate.exists():
            return candidate


def disk_mode() -> bool:
    return os.environ.get("PERSISTER_DISK", "") not in ("", "0")


def persister_root() -> Path:
    return Path(os.environ.get("PERSISTER_DIR", "raft-data"))


_test_seq = 0
_seq_lock = threading.Lock()


def new_test_folder() -> Path:
    """A folder for one test's servers: <root>/<pid>-<n>-<test name>.

    Folders of earlier runs whose process is gone are removed first, so failed runs'
    files stay only until the next run.
    """
    global _test_seq
    root = persister_root()
    root.mkdir(parents=True, exist_ok=True)
    with _seq_lock:
        _test_seq += 1
        seq = _test_seq
    if seq == 1:
        _remove_stale_folders(root)
    test = os.environ.get("PYTEST_CURRENT_TEST", "test").split(" ")[0]
    name = re.sub(r"[^A-Za-z0-9_.-]+", "-", test.split("/")[-1])[-80:]
    folder = root / f"{os.getpid()}-{seq}-{name}"
    folder.mkdir()
    return folder


def _remove_stale_folders(root: Path) -> None:
    for child in root.iterdir():
        m = re.match(r"(\d+)-\d+-", child.name)
        if not m or int(m.group(1)) == os.getpid():
            continue
        try:
            os.kill(int(m.group(1)), 0)
        except ProcessLookupError:
            shutil.rmtree(child, ignore_errors=True)
        except PermissionError:
            pass  # someone else's live process


def close_under(root: Path) -> None:
    """Close every persister writing below ``root`` (all incarnations of a test's servers)."""
    with _live_lock:
        persisters = list(_live)
    for p in persisters:
        if p.folder.is_relative_to(root):
            p.close()


def remove_tree(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)
