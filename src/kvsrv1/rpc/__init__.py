"""kvsrv1.rpc: Err values, Tversion and the Get/Put argument and reply types."""

from kvsrv1.rpc.rpc import (
    OK, Err, ErrMaybe, ErrNoKey, ErrVersion, ErrWrongGroup, ErrWrongLeader,
    GetArgs, GetReply, PutArgs, PutReply, Tversion,
)

__all__ = ["OK", "Err", "ErrMaybe", "ErrNoKey", "ErrVersion", "ErrWrongGroup", "ErrWrongLeader",
           "GetArgs", "GetReply", "PutArgs", "PutReply", "Tversion"]
