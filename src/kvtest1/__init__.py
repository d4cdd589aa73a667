"""kvtest1: helpers shared by the key/value tests (Go: 6.5840/kvtest1)."""

from kvtest1.kvtest import (
    ELECTION_TIMEOUT, ClntRes, EntryN, Fclnt, IClerkMaker, IKVClerk, Test, TestClerk, make_keys, rand_value,
)
from kvtest1.porcupine import LINEARIZABILITY_CHECK_TIMEOUT, OpLog, get, put

__all__ = ["ELECTION_TIMEOUT", "ClntRes", "EntryN", "Fclnt", "IClerkMaker", "IKVClerk", "Test", "TestClerk",
           "make_keys", "rand_value", "LINEARIZABILITY_CHECK_TIMEOUT", "OpLog", "get", "put"]
