"""RPC types shared by the key/value labs (Go: 6.5840/kvsrv1/rpc)."""

from __future__ import annotations

from dataclasses import dataclass

import labgob

Err = str
"""An error value; Go's ``type Err string``. Plain strings keep them cheap on the wire."""

OK: Err = "OK"
ErrNoKey: Err = "ErrNoKey"
ErrVersion: Err = "ErrVersion"
ErrMaybe: Err = "ErrMaybe"  # returned by a Clerk only, never by a server
ErrWrongLeader: Err = "ErrWrongLeader"
ErrWrongGroup: Err = "ErrWrongGroup"

Tversion = int
"""A key's version; Go's ``type Tversion uint64``."""


@labgob.register
@dataclass
class PutArgs:
    key: str = ""
    value: str = ""
    version: Tversion = 0


@labgob.register
@dataclass
class PutReply:
    err: Err = ""


@labgob.register
@dataclass
class GetArgs:
    key: str = ""


@labgob.register
@dataclass
class GetReply:
    value: str = ""
    version: Tversion = 0
    err: Err = ""
