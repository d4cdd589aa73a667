"""The Lab 4 key/value test wrapper: a group of KV servers and clerks made through the
tester (Go: kvraft1/test.go)."""

from __future__ import annotations

from types import TracebackType

import kvraft1.client as kvclient
import kvraft1.server as kvserver
import tester1
from tester1.embed import Embeds
from kvtest1 import IKVClerk, TestClerk
from kvtest1 import Test as KVTest
from labrpc import ClientEnd

GID = tester1.GRP0


class Test(Embeds):
    """Go embeds *kvtest.Test (which embeds *tester.Config); here it is ``self.kvtest``
    and its attributes, and through it the config's, are reachable on the Test."""

    _embedded = "kvtest"

    __test__ = False  # not a pytest test class

    def __init__(self, part: str, nclients: int, nservers: int, reliable: bool, crash: bool,
                 partitions: bool, maxraftstate: int, randomkeys: bool) -> None:
        self.kvtest: KVTest | None = None
        self.part = part
        self.nclients = nclients
        self.nservers = nservers
        self.crash = crash
        self.partitions = partitions
        self.maxraftstate = maxraftstate
        self.randomkeys = randomkeys
        cfg = tester1.make_config(nservers, reliable, self.start_kv_server)
        self.kvtest = KVTest(cfg, randomkeys, self)
        self.kvtest.config.begin(self.make_title())

    def __enter__(self) -> Test:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> bool:
        if exc_type is not None:
            self.kvtest.config.mark_failed()
        self.cleanup()  # Go: defer ts.Cleanup()
        return False

    def cleanup(self) -> None:
        """Print the Passed line (unless failed) and shut everything down (Go: kvtest Cleanup)."""
        try:
            self.kvtest.config.end()
        finally:
            self.kvtest.config.cleanup()

    def start_kv_server(self, servers: list[ClientEnd], gid: tester1.Tgid, me: int,
                        persister: tester1.Persister) -> list[tester1.IService]:
        return kvserver.start_kv_server(servers, gid, me, persister, self.maxraftstate)

    def make_clerk(self) -> IKVClerk:
        clnt = self.kvtest.config.make_client()
        ck = kvclient.make_clerk(clnt, self.kvtest.config.group(GID).srv_names())
        return TestClerk(ck, clnt)

    def delete_clerk(self, ck: IKVClerk) -> None:
        assert isinstance(ck, TestClerk)
        self.kvtest.config.delete_client(ck.clnt)

    def make_clerk_to(self, to: list[int]) -> IKVClerk:
        """A clerk whose client reaches only the servers in ``to``; it still knows all names."""
        ns = self.kvtest.config.group(GID).srv_names_to(to)
        clnt = self.kvtest.config.make_client_to(ns)
        ck = kvclient.make_clerk(clnt, self.kvtest.config.group(GID).srv_names())
        return TestClerk(ck, clnt)

    def make_title(self) -> str:
        title = "Test: "
        if self.crash:
            # peers re-start, and thus persistence must work.
            title += "restarts, "
        if self.partitions:
            # the network may partition
            title += "partitions, "
        if self.maxraftstate != -1:
            title += "snapshots, "
        if self.randomkeys:
            title += "random keys, "
        if self.nclients > 1:
            title += "many clients"
        else:
            title += "one client"
        title += " (" + self.part + ")"  # 4A, 4B, 4C
        return title


def make_test(part: str, nclients: int, nservers: int, reliable: bool, crash: bool, partitions: bool,
              maxraftstate: int, randomkeys: bool) -> Test:
    """Start ``nservers`` connected KV servers and print the Begin line (Go: MakeTest)."""
    return Test(part, nclients, nservers, reliable, crash, partitions, maxraftstate, randomkeys)
