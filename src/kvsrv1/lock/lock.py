# skeleton: """Lab 2: a lock built on the clerk's versioned put (Go: kvsrv1/lock/lock.go).
# skeleton:
# skeleton: Several clients, each with its own clerk, acquire and release the lock named ``l``;
# skeleton: the lock keeps its state in the key/value server, through get and put only.
# skeleton: """
# solution begin
"""Lab 2: a lock built only on the clerk's versioned Put (Go: kvsrv1/lock/lock.go).

The lock is a key whose value is the holder's id ("" when free). Acquire reads the
key and, when free, Puts its id at the version it read: the version check makes
the Put a compare-and-swap, so only one of several racing clients wins. An
ErrMaybe answer is resolved by reading the key again.
"""
# solution end

from __future__ import annotations

import time

import tester1
from kvsrv1 import rpc
from kvtest1 import IKVClerk

# solution begin
RETRY_INTERVAL = 0.01  # seconds between attempts while the lock is held by someone else
# solution end


class Lock:
    def __init__(self, ck: IKVClerk, l: str) -> None:
        self.ck = ck  # the clerk: the lock's only way to the server
        # skeleton: # You may add code here (tester1.randstring(8) makes a random id).
        # solution begin
        self.key = l
        self.me = tester1.randstring(8)  # unique per lock holder
        # solution end

    def acquire(self) -> None:
        # skeleton: # Your code here.
        # skeleton: pass
        # solution begin
        while True:
            value, version, err = self.ck.get(self.key)
            if err == rpc.ErrNoKey:
                value, version = "", 0
            if value == self.me:
                return  # an earlier Put of ours took effect (it returned ErrMaybe)
            if value == "":
                err = self.ck.put(self.key, self.me, version)
                if err == rpc.OK:
                    return
                if err == rpc.ErrMaybe:
                    continue  # read again to learn whether we hold it
            time.sleep(RETRY_INTERVAL)
        # solution end

    def release(self) -> None:
        # skeleton: # Your code here.
        # skeleton: pass
        # solution begin
        while True:
            value, version, err = self.ck.get(self.key)
            if err != rpc.OK or value != self.me:
                return  # not ours (any more): an earlier ErrMaybe release took effect
            if self.ck.put(self.key, "", version) == rpc.OK:
                return
            # ErrMaybe: read again; the key is "" if the Put took effect.
        # solution end


def make_lock(ck: IKVClerk, l: str) -> Lock:
    return Lock(ck, l)
