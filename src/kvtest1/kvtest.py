"""Helpers shared by the key/value tests of labs 2 and 4 (Go: kvtest1/kvtest.go)."""

from __future__ import annotations

import json
import random
import string
import threading
import time
from dataclasses import dataclass
from typing import Any, Callable, Protocol

import tester1
from tester1.embed import Embeds
from kvsrv1 import rpc
from kvtest1 import porcupine as kvporcupine

# The tester generously allows solutions to complete elections in one second
# (much more than the paper's range of timeouts).
ELECTION_TIMEOUT = 1.0


def rand_value(n: int) -> str:
    """n random letters."""
    return "".join(random.choice(string.ascii_letters) for _ in range(n))


class IKVClerk(Protocol):
    def get(self, key: str) -> tuple[str, rpc.Tversion, rpc.Err]: ...

    def put(self, key: str, value: str, version: rpc.Tversion) -> rpc.Err: ...


class TestClerk:
    """A clerk plus the tester client it talks through (Go embeds IKVClerk)."""

    __test__ = False

    def __init__(self, clerk: IKVClerk, clnt: tester1.Clnt) -> None:
        self.clerk = clerk
        self.clnt = clnt

    def get(self, key: str) -> tuple[str, rpc.Tversion, rpc.Err]:
        return self.clerk.get(key)

    def put(self, key: str, value: str, version: rpc.Tversion) -> rpc.Err:
        return self.clerk.put(key, value, version)


class IClerkMaker(Protocol):
    def make_clerk(self) -> IKVClerk: ...

    def delete_clerk(self, ck: IKVClerk) -> None: ...


@dataclass
class ClntRes:
    nok: int = 0
    nmaybe: int = 0


Fclnt = Callable[[int, IKVClerk, threading.Event], ClntRes]


@dataclass
class EntryN:
    id: int
    n: int


def _json(v: Any) -> str:
    """Encode like Go's encoding/json: no spaces."""
    return json.dumps(v, separators=(",", ":"))


def make_keys(n: int) -> list[str]:
    return [f"k{i}" for i in range(n)]  # ensure multiple shards


class Test(Embeds):
    """The KV test state shared by labs 2 and 4. Go embeds *tester.Config; here the
    Config is ``self.config`` and its methods are reachable on the Test too."""

    __test__ = False

    def __init__(self, cfg: tester1.Config, randomkeys: bool, mck: IClerkMaker) -> None:
        self.config = cfg
        self.oplog = kvporcupine.OpLog()
        self.mck = mck
        self.randomkeys = randomkeys


    def cleanup(self) -> None:
        try:
            self.config.end()
        finally:
            self.config.cleanup()  # even when a fatal error interrupted end()

    def connect_clnts(self, clnts: list[tester1.Clnt]) -> None:
        for c in clnts:
            c.connect_all()

    def make_clerk(self) -> IKVClerk:
        return self.mck.make_clerk()

    # --- logged operations ------------------------------------------------------------------

    def get(self, ck: IKVClerk, key: str, cli: int) -> tuple[str, rpc.Tversion, rpc.Err]:
        return kvporcupine.get(self.config, ck, key, self.oplog, cli)

    def put(self, ck: IKVClerk, key: str, value: str, version: rpc.Tversion, cli: int) -> rpc.Err:
        return kvporcupine.put(self.config, ck, key, value, version, self.oplog, cli)

    def check_porcupine(self) -> None:
        self.check_porcupine_t(kvporcupine.LINEARIZABILITY_CHECK_TIMEOUT)

    def check_porcupine_t(self, nsec: float) -> None:
        kvporcupine.check_porcupine(self.config, self.oplog, nsec)

    # --- helpers ---------------------------------------------------------------------------

    def put_at_least_once(self, ck: IKVClerk, key: str, value: str, ver: rpc.Tversion, me: int) -> rpc.Tversion:
        """Put until it is known to have happened; assumes different clerks put different keys."""
        ver_prev = ver
        while True:
            err = self.put(ck, key, value, ver, me)
            if err == rpc.OK:
                ver += 1
                break
            if err in (rpc.ErrMaybe, rpc.ErrVersion):
                ver += 1
            elif ver != 0:  # if it failed with ver = 0, retry
                self.fatalf("Put %v ver %d err %v", key, ver, err)
        tester1.annotate_info(f"Put({key}, {value}) completes", f"version: {ver_prev} -> {ver}")
        return ver

    def check_get(self, ck: IKVClerk, key: str, value: str, version: rpc.Tversion) -> None:
        tester1.annotate_checker_begin(f"checking Get({key}) = ({value}, {version})")
        val, ver, err = self.get(ck, key, 0)
        if err != rpc.OK:
            text = f"Get({key}) returns error = {err}"
            tester1.annotate_checker_failure(text, text)
            self.fatalf(text)
        if val != value or ver != version:
            text = f"Get({key}) returns ({val}, {ver}) != ({value}, {version})"
            tester1.annotate_checker_failure(text, text)
            self.fatalf(text)
        text = f"Get({key}) returns ({val}, {ver}) as expected"
        tester1.annotate_checker_success(text, "OK")

    def check_put_concurrent(self, ck: IKVClerk, key: str, rs: list[ClntRes], res: ClntRes,
                             reliable: bool) -> None:
        """The server's version must equal the puts that returned OK (or, unreliable, OK + maybe)."""
        ver0, _ = self.get_json(ck, key, -1)
        for r in rs:
            res.nok += r.nok
            res.nmaybe += r.nmaybe
        if reliable:
            if ver0 != res.nok:
                self.fatalf("Reliable: Wrong number of puts: server %d clnts %v", ver0, _go_res(res))
        elif ver0 > res.nok + res.nmaybe:
            self.fatalf("Unreliable: Wrong number of puts: server %d clnts %v", ver0, _go_res(res))

    def _run_client(self, me: int, results: list[ClntRes | None], done: threading.Event, fn: Fclnt,
                    finished: threading.Semaphore, errors: list[BaseException]) -> None:
        try:
            ck = self.mck.make_clerk()
            results[me] = fn(me, ck, done)
            self.mck.delete_clerk(ck)
        except BaseException as e:  # the test thread re-raises it
            errors.append(e)
        finally:
            finished.release()

    def spawn_clients_and_wait(self, nclnt: int, t: float, fn: Fclnt) -> list[ClntRes]:
        """Run fn in nclnt client threads for t seconds; returns their results in order."""
        results: list[ClntRes | None] = [None] * nclnt
        done = threading.Event()
        finished = threading.Semaphore(0)
        errors: list[BaseException] = []
        for cli in range(nclnt):
            threading.Thread(target=self._run_client, args=(cli, results, done, fn, finished, errors),
                             name=f"kv-client-{cli}", daemon=True).start()
        time.sleep(t)
        done.set()
        for _ in range(nclnt):
            finished.acquire()
        if errors:
            raise errors[0]
        return [r if r is not None else ClntRes() for r in results]

    def get_json(self, ck: IKVClerk, key: str, me: int) -> tuple[rpc.Tversion, Any]:
        """A logged Get whose value is JSON; returns (version, decoded value)."""
        val, ver, err = kvporcupine.get(self.config, ck, key, self.oplog, me)
        if err != rpc.OK:
            self.fatalf("%d: Get %s err %v", me, json.dumps(key), err)
        try:
            return ver, json.loads(val)
        except ValueError:
            self.fatalf("Unmarshal err %v", ver)
            raise  # unreachable: fatalf raises

    def put_json(self, ck: IKVClerk, key: str, v: Any, ver: rpc.Tversion, me: int) -> rpc.Err:
        return kvporcupine.put(self.config, ck, key, _json(v), ver, self.oplog, me)

    def put_at_least_once_json(self, ck: IKVClerk, key: str, value: Any, ver: rpc.Tversion,
                               me: int) -> rpc.Tversion:
        while True:
            if self.put_json(ck, key, value, 0, me) != rpc.ErrMaybe:
                break
            ver += 1
        return ver

    def one_put(self, me: int, ck: IKVClerk, key: str, ver: rpc.Tversion) -> tuple[rpc.Tversion, bool]:
        """Keep trying until one put succeeds while other clients put to the same key."""
        while True:
            err = self.put_json(ck, key, {"Id": me, "V": ver}, ver, me)
            if err not in (rpc.OK, rpc.ErrVersion, rpc.ErrMaybe):
                self.fatalf("Wrong error %v", err)
            ver0, e = self.get_json(ck, key, me)
            if err == rpc.OK and ver0 == ver + 1:  # my put?
                if e["Id"] != me and e["V"] != ver:
                    self.fatalf("Wrong value %v", e)
            ver = ver0
            if err in (rpc.OK, rpc.ErrMaybe):
                return ver, err == rpc.OK

    def partitioner(self, gid: tester1.Tgid, stop: threading.Event) -> None:
        """Repartition the servers at random every election timeout or so, until stopped."""
        while not stop.is_set():
            n = self.group(gid).n()
            a = [random.randrange(2) for _ in range(n)]
            pa = [[j for j in range(n) if a[j] == i] for i in range(2)]
            self.group(gid).partition(pa[0], pa[1])
            tester1.annotate_two_partitions(pa[0], pa[1])
            time.sleep(ELECTION_TIMEOUT + random.randrange(200) / 1000)

    def one_client_put(self, cli: int, ck: IKVClerk, ka: list[str], done: threading.Event) -> ClntRes:
        """One of perhaps many clients doing one_put until done."""
        res = ClntRes()
        verm = {k: 0 for k in ka}
        while not done.is_set():
            k = ka[random.randrange(len(ka))] if self.randomkeys else ka[0]
            verm[k], ok = self.one_put(cli, ck, k, verm[k])
            if ok:
                res.nok += 1
            else:
                res.nmaybe += 1
        return res

    def spread_puts_size(self, ck: IKVClerk, n: int, valsz: int) -> tuple[list[str], list[str]]:
        ka = make_keys(n)
        va = [tester1.randstring(valsz) for _ in range(n)]
        for k, v in zip(ka, va):
            ck.put(k, v, 0)
        for k, v in zip(ka, va):
            self.check_get(ck, k, v, 1)
        return ka, va

    def spread_puts(self, ck: IKVClerk, n: int) -> tuple[list[str], list[str]]:
        return self.spread_puts_size(ck, n, 20)

    def one_client_append(self, me: int, ck: IKVClerk, done: threading.Event) -> ClntRes:
        """Append (me, i) to the list under "k" by Get then versioned Put; ErrMaybe moves on."""
        nmay = nok = 0
        i = 0
        while not done.is_set():
            while True:  # keep trying to put my i when err == ErrVersion
                ver, es = self.get_json(ck, "k", me)
                es.append({"Id": me, "N": i})
                err = self.put_json(ck, "k", es, ver, me)
                if err == rpc.OK:
                    nok += 1
                    break
                if err == rpc.ErrMaybe:
                    nmay += 1
                    break
            i += 1
        return ClntRes(nok, nmay)

    def check_appends(self, es: list[EntryN], nclnt: int, rs: list[ClntRes], ver: rpc.Tversion) -> None:
        """The appended tuples must be in order per client, with gaps only for ErrMaybe puts."""
        expect = {i: 0 for i in range(nclnt)}
        skipped = {i: 0 for i in range(nclnt)}
        for e in es:
            if expect[e.id] > e.n:  # old put?
                self.fatalf("%d: wrong expecting %v but got %v", e.id, expect[e.id], e.n)
            elif expect[e.id] == e.n:
                expect[e.id] += 1
            else:  # missing entries because of failed put
                skipped[e.id] += e.n - expect[e.id]
                expect[e.id] = e.n + 1
        if len(es) + 1 != ver:
            self.fatalf("%d appends in val != puts on server %d", len(es), ver)
        for c, n in expect.items():
            if skipped[c] > rs[c].nmaybe:
                self.fatalf("%d: skipped puts %d on server > %d maybe", c, skipped[c], rs[c].nmaybe)
            if n > rs[c].nok + rs[c].nmaybe:
                self.fatalf("%d: %d puts on server > ok+maybe %d", c, n, rs[c].nok + rs[c].nmaybe)


def _go_res(res: ClntRes) -> str:
    """Format like Go's %v of a *ClntRes: &{Nok Nmaybe}."""
    return f"&{{{res.nok} {res.nmaybe}}}"
