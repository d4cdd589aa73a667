"""kvraft1.rsm: the replicated state machine layer of Lab 4 (Go: 6.5840/kvraft1/rsm)."""
