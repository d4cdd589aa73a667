"""Serialization for RPC arguments, replies, persisted state and snapshots.

The Go labs wrap encoding/gob; this port wraps pickle, restricted so that decoding
can never run arbitrary code: a stream may only name builtin values and classes
registered here. Registered classes are dataclasses, sent as a 32-bit id derived
from their registered name followed by the values of their public fields (fields
whose name does not start with ``_``). Memoization is off (gob has none either), so
a small reply costs a few bytes more than its contents, as in gob, and the byte
limits of the Go tests keep their meaning.

Two mistakes gob lets through silently get a message, once per type, as labgob
does in Go: a private field (Go: a lower-case field), which will not travel, and
decoding into a reply object that already holds non-default values.
"""

from __future__ import annotations

import builtins
import dataclasses
import hashlib
import io
import pickle
import threading
from typing import Any, Callable

# Protocol 3 has no 9-byte frame headers, which keeps small RPCs small.
_PROTOCOL = 3

_lock = threading.Lock()
_classes_by_id: dict[int, type] = {}
_ids_by_class: dict[type, int] = {}
_names_by_id: dict[int, str] = {}
_public_fields: dict[type, tuple[str, ...]] = {}
_private_defaults: dict[type, tuple[tuple[str, Callable[[], Any]], ...]] = {}
_checked: set[type] = set()
_default_checked: set[type] = set()
_defaults: dict[type, tuple[Any, ...]] = {}

error_count = 0
"""How many labgob errors and warnings were reported (Go: errorCount); tests read it."""


class LabgobError(Exception):
    """Raised for values that cannot travel and for bytes that do not decode."""


def _report(message: str) -> None:
    global error_count
    with _lock:
        error_count += 1
    print(message, flush=True)


def _field_default(f: dataclasses.Field) -> Callable[[], Any]:
    if f.default is not dataclasses.MISSING:
        value = f.default
        return lambda: value
    if f.default_factory is not dataclasses.MISSING:
        return f.default_factory
    return lambda: None


def register_name(name: str, cls: type) -> type:
    """Make dataclass ``cls`` travel under the wire name ``name``; returns ``cls``."""
    if not isinstance(name, str) or not name:
        raise TypeError(f"labgob.register_name: name must be a non-empty string, not {name!r}")
    if not (isinstance(cls, type) and dataclasses.is_dataclass(cls)):
        raise TypeError(f"labgob.register: {cls!r} is not a dataclass; only dataclasses can be registered")
    wire_id = _wire_id(name)
    with _lock:
        known = _classes_by_id.get(wire_id)
        if known is not None and known is not cls:
            raise LabgobError(
                f"labgob.register: name {name!r} collides with {_names_by_id[wire_id]!r} "
                f"({known.__module__}.{known.__qualname__}); register one of them under another name"
            )
        fields = dataclasses.fields(cls)
        _public_fields[cls] = tuple(f.name for f in fields if not f.name.startswith("_"))
        _private_defaults[cls] = tuple(
            (f.name, _field_default(f)) for f in fields if f.name.startswith("_")
        )
        _classes_by_id[wire_id] = cls
        _names_by_id[wire_id] = name
        _ids_by_class.setdefault(cls, wire_id)
    _check_type(cls)
    return cls


def _wire_id(name: str) -> int:
    """A stable 32-bit id for a wire name: shorter on the wire than the name itself."""
    return int.from_bytes(hashlib.blake2b(name.encode(), digest_size=4).digest(), "big")


def register(cls: type) -> type:
    """Make dataclass ``cls`` travel under its qualified name; usable as a decorator."""
    if not isinstance(cls, type):
        raise TypeError(f"labgob.register takes a class, not an instance ({type(cls).__name__})")
    return register_name(f"{cls.__module__}.{cls.__qualname__}", cls)


def is_registered(cls: type) -> bool:
    return cls in _ids_by_class


def _check_type(cls: type) -> None:
    """Warn once per type about fields that will not travel (Go: checkType)."""
    with _lock:
        if cls in _checked:
            return
        _checked.add(cls)
    for name, _ in _private_defaults.get(cls, ()):
        _report(
            f"labgob error: private field {name} of {cls.__qualname__} in RPC or persist/snapshot "
            f"will break your Raft (fields starting with '_' are not sent)"
        )


def _build(wire_id: int, *values: Any) -> Any:
    """Recreate a registered dataclass without running its __init__ (as gob fills a struct)."""
    cls = _classes_by_id.get(wire_id)
    if cls is None:
        raise LabgobError(
            f"labgob: cannot decode a value of unregistered type (wire id {wire_id:#010x}); "
            f"the decoding process must labgob.register the same classes as the encoder"
        )
    public = _public_fields[cls]
    if len(values) != len(public):
        raise LabgobError(
            f"labgob: {cls.__qualname__} arrived with {len(values)} fields, but the class has "
            f"{len(public)} public fields"
        )
    obj = cls.__new__(cls)
    for field_name, value in zip(public, values):
        object.__setattr__(obj, field_name, value)
    for field_name, make_default in _private_defaults[cls]:
        object.__setattr__(obj, field_name, make_default())
    return obj


# The reconstructor is pickled as the global "labgob.B": short on the wire, and the
# only non-builtin global the restricted unpickler will resolve.
_build.__module__ = "labgob"
_build.__qualname__ = "B"
_build.__name__ = "B"

_SAFE_BUILTINS = {"set", "frozenset", "bytearray", "complex", "range", "slice"}
_SAFE_BUILTIN_CLASSES = frozenset(getattr(builtins, n) for n in _SAFE_BUILTINS)
_BUILTIN_TYPES = frozenset({type(None), bool, int, float, complex, str, bytes, bytearray,
                            list, tuple, dict, set, frozenset, range, slice})


class _Pickler(pickle.Pickler):
    def reducer_override(self, obj: Any) -> Any:
        cls = type(obj)
        wire_id = _ids_by_class.get(cls)
        if wire_id is not None:
            return (_build, (wire_id, *[getattr(obj, f) for f in _public_fields[cls]]))
        if obj is _build or cls in _BUILTIN_TYPES:
            return NotImplemented
        if isinstance(obj, type):
            if obj in _SAFE_BUILTIN_CLASSES:
                return NotImplemented
            raise LabgobError(f"labgob: cannot encode a class ({obj.__qualname__}); send values, not types")
        raise LabgobError(
            f"labgob: cannot encode unregistered type {cls.__module__}.{cls.__qualname__}; "
            f"decorate it with @labgob.register (it must be a dataclass)"
        )


class _Unpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        if module == "labgob" and name == "B":
            return _build
        if module == "builtins" and name in _SAFE_BUILTINS:
            return getattr(builtins, name)
        raise LabgobError(f"labgob: refusing to decode global {module}.{name}: not a registered type")

    def persistent_load(self, pid: Any) -> Any:
        raise LabgobError("labgob: refusing to decode a persistent reference")


class LabEncoder:
    """Encodes a stream of values one after another (Go: labgob.NewEncoder)."""

    def __init__(self) -> None:
        self._buf = io.BytesIO()
        self._pickler = _Pickler(self._buf, protocol=_PROTOCOL)
        self._pickler.fast = True  # no memo: smaller messages, and gob has no shared references either

    def encode(self, value: Any) -> None:
        try:
            self._pickler.dump(value)
        except LabgobError:
            raise
        except (pickle.PicklingError, TypeError, AttributeError, ValueError) as e:
            raise LabgobError(f"labgob: cannot encode {type(value).__qualname__}: {e}") from e

    def getvalue(self) -> bytes:
        return self._buf.getvalue()


class LabDecoder:
    """Decodes the values of a stream in the order they were encoded (Go: labgob.NewDecoder)."""

    def __init__(self, data: bytes) -> None:
        if not isinstance(data, (bytes, bytearray, memoryview)):
            raise TypeError(f"labgob.LabDecoder needs bytes, not {type(data).__name__}")
        self._buf = io.BytesIO(bytes(data))
        self._unpickler = _Unpickler(self._buf)

    def decode(self) -> Any:
        """Return the next value; raise LabgobError if the data is truncated or corrupt."""
        if self._buf.tell() >= len(self._buf.getbuffer()):
            raise LabgobError("labgob: no more values to decode (end of data)")
        try:
            return self._unpickler.load()
        except LabgobError:
            raise
        except EOFError as e:
            raise LabgobError("labgob: truncated data") from e
        except Exception as e:  # pickle raises many kinds on garbage input
            raise LabgobError(f"labgob: corrupt data ({type(e).__name__}: {e})") from e

    def decode_into(self, target: Any) -> None:
        """Decode the next value onto the registered dataclass object ``target`` (see copy_into)."""
        copy_into(self.decode(), target)


_NO_DEFAULT = object()


def _public_defaults(cls: type) -> tuple[Any, ...]:
    """The default of each public field (or _NO_DEFAULT), computed once per class."""
    cached = _defaults.get(cls)
    if cached is None:
        by_name = {f.name: f for f in dataclasses.fields(cls)}
        cached = tuple(
            _NO_DEFAULT
            if by_name[n].default is dataclasses.MISSING and by_name[n].default_factory is dataclasses.MISSING
            else _field_default(by_name[n])()
            for n in _public_fields[cls]
        )
        _defaults[cls] = cached
    return cached


def copy_into(value: Any, target: Any) -> None:
    """Copy the public fields of decoded ``value`` onto ``target`` of the same class.

    Like gob decoding into a struct that already has values, this warns when
    ``target`` is not in its default state: that usually means a reused reply, or
    a restore into live state, which is a bug in the caller.
    """
    cls = type(target)
    if type(value) is not cls:
        raise LabgobError(
            f"labgob: decoded a {type(value).__qualname__} but the target is a {cls.__qualname__}"
        )
    names = _public_fields[cls]
    for name, default in zip(names, _public_defaults(cls)):
        if default is not _NO_DEFAULT and getattr(target, name) != default:
            _report_default(cls)
            break
    for name in names:
        object.__setattr__(target, name, getattr(value, name))


def _report_default(cls: type) -> None:
    """Count every occurrence, print once per type (Go prints once and counts each)."""
    global error_count
    with _lock:
        first = cls not in _default_checked
        _default_checked.add(cls)
        if not first:
            error_count += 1
    if first:
        _report(f"labgob warning: Decoding into a non-default variable/field {cls.__qualname__} may not work")


def encode(value: Any) -> bytes:
    """Encode one value (the RPC path: kept lean, it runs twice per call)."""
    buf = io.BytesIO()
    pickler = _Pickler(buf, protocol=_PROTOCOL)
    pickler.fast = True
    try:
        pickler.dump(value)
    except LabgobError:
        raise
    except (pickle.PicklingError, TypeError, AttributeError, ValueError) as e:
        raise LabgobError(f"labgob: cannot encode {type(value).__qualname__}: {e}") from e
    return buf.getvalue()


def decode(data: bytes) -> Any:
    """Decode one value."""
    return LabDecoder(data).decode()
