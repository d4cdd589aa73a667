"""Serialization for RPC arguments, replies, persisted state and snapshots.

The Go labs wrap encoding/gob; this port wraps pickle, restricted so that decoding
can never run arbitrary code: a stream may only name builtin values and classes
registered here. Registered classes are dataclasses, sent as a 32-bit id derived
from their registered name followed by the values of their public fields (fields
whose name does not start with ``_``). Memoization is off (gob has none either), so
a small reply costs a few bytes more than its contents, as in gob, and the byte
limits of the Go tests keep their meaning.

Decoding into an existing object (``decode_into``, ``copy_into``; labrpc does it
for every reply) keeps gob's semantics. gob never transmits a field whose value is
the zero value of its type, so such a field of the target keeps whatever it held;
see ``copy_into`` for the rule, type by type. The wire format is unchanged (every
field travels, as before); the decoder skips exactly the fields gob would not have
sent. Plain ``decode()`` returns the values as sent.

Two mistakes gob lets through silently get a message, once per type, as labgob
does in Go: a private field (Go: a lower-case field), which will not travel, and
decoding into a reply object that already holds non-zero values, which may then
survive the decode.
"""

from __future__ import annotations

import builtins
import dataclasses
import hashlib
import io
import pickle
import threading
import typing
from typing import Any, Callable

# Protocol 3 has no 9-byte frame headers, which keeps small RPCs small.
_PROTOCOL = 3

_lock = threading.Lock()
_classes_by_id: dict[int, type] = {}
_ids_by_class: dict[type, int] = {}
_names_by_id: dict[int, str] = {}
_public_fields: dict[type, tuple[str, ...]] = {}
_private_defaults: dict[type, tuple[tuple[str, Callable[[], Any]], ...]] = {}
_interface_fields: dict[type, frozenset[str]] = {}
_checked: set[type] = set()
_default_checked: set[type] = set()

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
        _interface_fields[cls] = frozenset(
            f.name for f in fields if not f.name.startswith("_") and _is_interface(f.type)
        )
        _classes_by_id[wire_id] = cls
        _names_by_id[wire_id] = name
        _ids_by_class.setdefault(cls, wire_id)
    _check_type(cls)
    return cls


_INTERFACE_ANNOTATIONS = frozenset({"Any", "typing.Any", "t.Any", "object"})


def _is_interface(annotation: Any) -> bool:
    """Whether a field annotated so is Go's interface{} (``Any``, ``object``, or either or None).

    gob decodes a value into an interface field afresh, and skips it only when it is
    nil; every other field is decoded as a typed one (see copy_into).
    """
    if annotation is Any or annotation is object:
        return True
    if not isinstance(annotation, str):
        args = typing.get_args(annotation)  # Optional[Any], Any | None
        return bool(args) and all(a is Any or a is object or a is type(None) for a in args) \
            and any(a is not type(None) for a in args)
    parts = annotation.replace("Optional[", "").replace("]", "").replace(" ", "").split("|")
    parts = [p for p in parts if p not in ("None", "")]
    return bool(parts) and all(p in _INTERFACE_ANNOTATIONS for p in parts)


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
        """Decode the next value into the registered dataclass object ``target``, as gob does.

        Fields sent with their zero value leave ``target``'s fields as they were; see copy_into.
        """
        copy_into(self.decode(), target)


# The types whose zero value is their empty value (gob: len == 0 is not sent).
_SIZED = frozenset({str, bytes, bytearray, list, tuple, dict, set, frozenset})


def _is_zero(value: Any) -> bool:
    """Whether gob would leave this (typed) field out: None, False, 0, 0.0, "", b"", empty containers.

    A registered dataclass is never zero here: gob always sends a struct field, and
    decoding it into the existing struct leaves alone whatever is zero in it.
    """
    if value is None:
        return True
    t = type(value)
    if t is bool or t is int or t is float or t is complex:
        return value == 0  # -0.0 too, as in gob; NaN is sent
    if t in _SIZED:
        return len(value) == 0
    return False


def _decode_value(old: Any, new: Any) -> Any:
    """gob decoding the transmitted ``new`` into a location holding ``old``; returns what it holds then."""
    cls = type(new)
    if cls in _ids_by_class:
        if type(old) is cls:  # a struct (or a non-nil pointer to one) is decoded into, field by field
            _decode_struct(old, new)
            return old
        return new
    if cls is dict and type(old) is dict:
        old.update(new)  # gob decodes into the existing map: entries are added or replaced, none removed
        return old
    if cls is list and type(old) is list and len(old) >= len(new):
        # gob reuses a slice whose array is long enough and decodes each element into the old one
        # (every element is sent, zero or not); a shorter one is replaced by a new slice.
        for i, elem in enumerate(new):
            old[i] = _decode_value(old[i], elem)
        del old[len(new):]
        return old
    return new


def _decode_struct(target: Any, value: Any) -> None:
    """Decode the fields of ``value`` into ``target`` (same registered class) as gob decodes a struct."""
    cls = type(target)
    interfaces = _interface_fields[cls]
    for name in _public_fields[cls]:
        new = getattr(value, name)
        if name in interfaces:
            if new is not None:  # only a nil interface is left out; anything else arrives afresh
                object.__setattr__(target, name, new)
        elif not _is_zero(new):
            object.__setattr__(target, name, _decode_value(getattr(target, name), new))


def _holds_value(cls: type, obj: Any, depth: int = 0) -> bool:
    """Whether a field of ``obj`` holds something a zero field on the wire would leave in place."""
    interfaces = _interface_fields[cls]
    for name in _public_fields[cls]:
        v = getattr(obj, name)
        if name in interfaces:
            if v is not None:
                return True
        elif type(v) in _ids_by_class:
            if depth < 3 and _holds_value(type(v), v, depth + 1):  # Go's labgob looks 3 levels deep
                return True
        elif not _is_zero(v):
            return True
    return False


def copy_into(value: Any, target: Any) -> None:
    """Decode ``value`` (just decoded) into ``target`` of the same registered class, as gob would.

    gob leaves out a field whose value is the zero value of its type, so ``target``
    keeps what it held in every such field. The rule, by what the sender's field holds:

    - ``None``, ``False``, ``0``, ``0.0``, ``0j``, ``""``, ``b""``, and an empty list,
      tuple, dict, set or frozenset: not sent; ``target`` keeps its old value.
    - another bool, number, str, bytes, tuple or set: replaces the old value.
    - a non-empty list: replaces the old value, unless the old value is a list at least
      as long, which is reused as gob reuses a slice: it is cut to the new length and
      each element is decoded into the old element (so a dataclass element keeps the
      old element's fields that arrive as zero; any other element is replaced).
    - a non-empty dict: merged into the old dict if there is one (gob decodes into
      the existing map; old keys stay), else it replaces the old value.
    - a registered dataclass: decoded, by this same rule, into the old value if that
      is of the same class (Go: a struct or a non-nil pointer), else it replaces it.
    - a field annotated ``Any`` or ``object`` is Go's interface{}: left alone only when
      ``None`` is sent; any other value (``0`` and ``""`` included) replaces the old one.

    So decoding into a fresh object gives what was sent (the labs' defaults are the
    zero values), and plain ``decode()`` is unaffected. As labgob does in Go, this
    warns when ``target`` already holds non-zero values: usually a reused reply, or a
    restore into live state, where stale values then survive every zero field sent.
    """
    cls = type(target)
    if type(value) is not cls:
        raise LabgobError(
            f"labgob: decoded a {type(value).__qualname__} but the target is a {cls.__qualname__}"
        )
    if _holds_value(cls, target):
        _report_default(cls)
    _decode_struct(target, value)


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
