"""kvsrv1.lock: a lock on top of the versioned key/value clerk (Lab 2)."""
