"""The demo's workload: clients running kvtest's one_client_put (versioned Puts and Gets on a
few keys, every call logged exactly as the tests log it) in threads, through clerks that also
count each call's outcome for the live view.
"""

from __future__ import annotations

import threading
from collections import Counter

import tester1
from kvraft1 import client as kvclient
from kvsrv1 import rpc
from kvtest1 import IKVClerk, TestClerk
from kvtest1 import Test as KVTest

from labtools.demo.servers import GID


class OpCounts:
    """Finished clerk calls by (op, outcome), for the live view; the OpLog keeps the history."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: Counter[tuple[str, str]] = Counter()

    def add(self, op: str, err: rpc.Err) -> None:
        with self._lock:
            self._counts[(op, err)] += 1

    def snapshot(self) -> Counter[tuple[str, str]]:
        with self._lock:
            return Counter(self._counts)


class CountingClerk(TestClerk):
    """A test clerk that also counts each call's outcome as it returns."""

    def __init__(self, clerk: IKVClerk, clnt: tester1.Clnt, counts: OpCounts) -> None:
        super().__init__(clerk, clnt)
        self.counts = counts

    def get(self, key: str) -> tuple[str, rpc.Tversion, rpc.Err]:
        val, ver, err = self.clerk.get(key)
        self.counts.add("get", err)
        return val, ver, err

    def put(self, key: str, value: str, version: rpc.Tversion) -> rpc.Err:
        err = self.clerk.put(key, value, version)
        self.counts.add("put", err)
        return err


class ClerkMaker:
    """kvtest's IClerkMaker for the demo's group (as kvraft1.test.Test, minus its Begin line)."""

    def __init__(self, cfg: tester1.Config, counts: OpCounts) -> None:
        self.cfg = cfg
        self.counts = counts

    def make_clerk(self) -> IKVClerk:
        clnt = self.cfg.make_client()
        return CountingClerk(kvclient.make_clerk(clnt, self.cfg.group(GID).srv_names()), clnt, self.counts)

    def delete_clerk(self, ck: IKVClerk) -> None:
        assert isinstance(ck, TestClerk)
        self.cfg.delete_client(ck.clnt)


class Clients:
    """kvtest's one_client_put in threads: versioned Puts and Gets on a few keys, all logged."""

    def __init__(self, kvt: KVTest, n: int, keys: list[str]) -> None:
        self.kvt = kvt
        self.keys = keys
        self.done = threading.Event()
        self.errors: list[str] = []
        self._threads = [threading.Thread(target=self._client, args=(c,), name=f"demo-client-{c}", daemon=True)
                         for c in range(n)]

    def start(self) -> None:
        for t in self._threads:
            t.start()

    def _client(self, cli: int) -> None:
        ck = self.kvt.make_clerk()
        try:
            self.kvt.one_client_put(cli, ck, self.keys, self.done)
        except BaseException as e:  # a wrong answer (fatalf) ends this client; the demo reports it
            self.errors.append(f"client {cli}: {type(e).__name__}: {e}")

    def running(self) -> int:
        return sum(t.is_alive() for t in self._threads)

    def stuck(self) -> list[int]:
        return [c for c, t in enumerate(self._threads) if t.is_alive()]
