"""tester1: the test framework shared by every lab (Go: 6.5840/tester1)."""

from tester1 import annotation
from tester1.annotation import *  # noqa: F401,F403  (Go exports the annotation API from package tester)
from tester1.clnts import Clnt, Clnts
from tester1.config import TEST_TIME_LIMIT, Config, TestFailure, make_config
from tester1.group import FStartServer, Groups, ServerGrp
from tester1.persister import Persister, make_persister
from tester1.srv import IService
from tester1.util import GRP0, Tgid, randstring, server_name

__all__ = ["annotation", "Clnt", "Clnts", "TEST_TIME_LIMIT", "Config", "TestFailure", "make_config",
           "FStartServer", "Groups", "ServerGrp", "Persister", "make_persister", "IService", "GRP0",
           "Tgid", "randstring", "server_name"]

annotation.capture_signal()
