"""The Lab 2 test wrapper: one KV server and clerks made through the tester (Go: kvsrv1/test.go)."""

from __future__ import annotations

import tester1
from tester1.embed import Embeds
from kvsrv1.client import make_clerk
from kvsrv1.server import start_kv_server
from kvtest1 import IKVClerk, TestClerk
from kvtest1 import Test as KVTest


class TestKV(Embeds):
    """Go embeds *kvtest.Test; here it is ``self.kvtest`` and its methods are reachable on TestKV."""

    _embedded = "kvtest"

    __test__ = False

    def __init__(self, reliable: bool) -> None:
        cfg = tester1.make_config(1, reliable, start_kv_server)
        self.reliable = reliable
        self.kvtest = KVTest(cfg, False, self)

    def __enter__(self) -> "TestKV":
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is not None:
            self.kvtest.config.mark_failed()
        self.kvtest.cleanup()

    def make_clerk(self) -> IKVClerk:
        clnt = self.kvtest.config.make_client()
        return TestClerk(make_clerk(clnt, tester1.server_name(tester1.GRP0, 0)), clnt)

    def delete_clerk(self, ck: IKVClerk) -> None:
        assert isinstance(ck, TestClerk)
        self.kvtest.config.delete_client(ck.clnt)


def make_test_kv(reliable: bool) -> TestKV:
    return TestKV(reliable)
