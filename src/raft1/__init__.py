"""raft1: the Raft consensus library of Lab 3 (Go: 6.5840/raft1)."""
