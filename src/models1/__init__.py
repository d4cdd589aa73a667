"""models1: the Porcupine model of the labs' versioned key/value service (Go: 6.5840/models1)."""

from models1.kv import KvInput, KvOutput, KvState, kv_model

__all__ = ["KvInput", "KvOutput", "KvState", "kv_model"]
