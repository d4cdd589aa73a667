"""labrpc: the lossy, reordering network emulator (Go: 6.5840/labrpc)."""

from labrpc.labrpc import LONGDELAY, MAXDELAY, SHORTDELAY, ClientEnd, Network, RPCError, Server, Service

__all__ = ["LONGDELAY", "MAXDELAY", "SHORTDELAY", "ClientEnd", "Network", "RPCError", "Server", "Service"]
