"""labgob: restricted, registered-types-only serialization (Go: 6.5840/labgob)."""

from labgob.labgob import (
    LabDecoder,
    LabEncoder,
    LabgobError,
    _build as B,  # the wire name of the dataclass reconstructor; see labgob.py
    copy_into,
    decode,
    encode,
    is_registered,
    register,
    register_name,
)
import labgob.labgob as _impl


def error_count() -> int:
    """How many labgob errors and warnings have been reported so far (Go: errorCount)."""
    return _impl.error_count


__all__ = ["LabDecoder", "LabEncoder", "LabgobError", "copy_into", "decode", "encode",
           "error_count", "is_registered", "register", "register_name"]
