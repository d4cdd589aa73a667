"""The Wing-Gong-Lowe search of one partition (Go: checkSingle in porcupine's checker.go).

The entries (calls and returns sorted by time) form a doubly linked list, held in plain
lists indexed by node number because that is what CPython does fastest. The search walks
the list from the head: at a call it asks the model to step; if that is legal and the
configuration (set of linearized operations, new state) is not in the cache, it pushes the
call, "lifts" the call and its return out of the list and restarts from the head. At a
return whose call is still pending nothing more can be tried at this depth, so it pops the
last call, puts it back ("unlifts") and continues after it. The history is linearizable
when the list is empty, and not when it has to pop from an empty stack.

The set of linearized operations is a Python int used as a bitset. Two things keep the
inner loop short: the cache is a set of (bitset, state) tuples, so Python's own hash and
``==`` (C code) key it and compare states on collisions; and step results are remembered
per (call, state), which is valid because a model's step must be a pure function.

With the model's ``read_only`` hint, a new configuration first looks for a candidate that is
legal and read-only from the current state, and if there is one, linearizes it there and
nowhere else (see :func:`search` for why that loses no linearization). Concurrent reads and
refused writes are what make the plain search blow up: without this, every subset of them
linearized so far is a configuration of its own.
"""

from __future__ import annotations

from typing import Any, Callable, Generator, Sequence

from porcupine.model import Model

# Pushes plus backtracks between two yields to the scheduler (which then looks at the clock).
# Between two of them the search scans the list at most once, so this is a few ms of work.
SLICE = 2048

# Step results remembered per call node. A few states per call cover models with small state
# spaces (registers, per-key values); models with huge state spaces gain little from a memo,
# so it stops growing there rather than holding memory.
MEMO_LIMIT = 32

_MISS = object()  # not in the step memo yet
_FAIL = object()  # the model refused the step


class _Keyed:
    """A state with the model's own hash and equality, so that sets and dicts use them."""

    __slots__ = ("state", "_hash", "_equal")

    def __init__(self, state: Any, hash_value: int, equal: Callable[[Any, Any], bool]) -> None:
        self.state = state
        self._hash = hash_value
        self._equal = equal

    def __hash__(self) -> int:
        return self._hash

    def __eq__(self, other: object) -> bool:
        return self is other or (isinstance(other, _Keyed) and self._equal(self.state, other.state))


class _NoMemo(dict):
    """A step memo that remembers nothing (when states have no usable hash)."""

    def __setitem__(self, key: Any, value: Any) -> None:
        pass


def _hashable(value: Any) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True


def _require_hashable(state: Any) -> None:
    if not _hashable(state):
        raise TypeError(
            f"model state {state!r} is unhashable: use hashable states (tuples, frozen "
            "dataclasses, ...) or give the Model hash and equal functions"
        )


def _state_adapter(model: Model) -> tuple[Callable[..., tuple[bool, Any]], Any, bool, bool]:
    """(step, initial state, whether states need the hashability check, whether to memoize)
    for the search, wrapping states in :class:`_Keyed` unless Python's hash and ``==`` are
    the model's."""
    init = model.init()
    if model.equal is None and model.hash is None and _hashable(init):
        return model.step, init, True, True
    equal = model.equal or (lambda a, b: a == b)
    user_hash = model.hash
    if user_hash is None:
        # Unhashable states with no hash given: key the cache by the bitset alone, as Go
        # does with a nil Hash, and compare states with equal.
        def hash_of(state: Any) -> int:
            return 0
    else:
        hash_of = user_hash
    step = model.step

    def keyed_step(keyed: _Keyed, inp: Any, out: Any) -> tuple[bool, Any]:
        ok, new_state = step(keyed.state, inp, out)
        return ok, (_Keyed(new_state, hash_of(new_state), equal) if ok else None)

    return keyed_step, _Keyed(init, hash_of(init), equal), False, user_hash is not None


def _read_only_adapter(model: Model, wrapped: bool) -> Callable[[Any, Any, Any], bool] | None:
    """The model's read_only hint on the search's states (unwrapping :class:`_Keyed`)."""
    read_only = model.read_only
    if read_only is None or not wrapped:
        return read_only
    return lambda keyed, inp, out: read_only(keyed.state, inp, out)


def search(
    model: Model, entries: Sequence[Any], longest: list[list[int] | None] | None
) -> Generator[None, None, bool]:
    """Search one partition: a generator that yields now and then (so that a scheduler can
    interleave partitions and watch a deadline) and returns whether it is linearizable.

    ``entries`` are the partition's calls and returns sorted by time (objects with
    ``is_call``, ``value`` and ``id``, ids numbering the operations from 0). If ``longest`` is a
    list (one slot per operation) it is filled as the search goes, so it is usable even if the
    search is abandoned: ``longest[i]`` is the longest linearizable prefix found that contains
    operation ``i`` (Go's computePartial).

    Read-only candidates are forced (when the model has ``read_only``). In a configuration
    (linearized set L, state s), let x be a candidate (its call precedes every pending return)
    that is legal in s and read-only from s: it leaves s unchanged, and every state reachable
    from s too, wherever it is legal. If some completion P y1..yk x z1.. of (L, s) exists, so
    does P x y1..yk z1..: x leaves s as it was, the y's then reach the same state t as before,
    and x was legal in t, so it left t unchanged and the z's run from t as before; and no y
    returned before x was called (every y is pending and x's call precedes every pending
    return), so real-time order holds. Hence (L, s) has a completion iff (L + x, s) has one:
    the search pushes x alone there, marks the frame forced, and when that frame is popped
    (no completion below) it pops the frame below it as well. The cache keeps its meaning (a
    configuration in it and off the stack has no completion), so if (L + x, s) is in it,
    (L, s) fails at once. Recorded partial linearizations are still legal prefixes, and a
    pruned one has a legal counterpart one longer below x (move x to the front). A hint that
    only holds in s, not in the states after it, would be unsound: a put refused now because
    its version is ahead may take effect later.
    """
    n_entries = len(entries)
    n_ops = n_entries // 2
    tail = n_entries + 1
    size = n_entries + 2
    # Node 0 is the head sentinel, 1..n_entries the entries in order, ``tail`` a sentinel.
    nxt = list(range(1, size)) + [tail]
    prv = [0] + list(range(0, size - 1))
    # Per call node: its return node, input, output, bit and operation id; memo is the
    # step memo (state -> new state or _FAIL) for a call node and None for a return node.
    match = [0] * size
    inp: list[Any] = [None] * size
    out: list[Any] = [None] * size
    bit = [0] * size
    opid = [0] * size
    memo: list[dict[Any, Any] | None] = [None] * size
    step, state, check_hashable, use_memo = _state_adapter(model)
    read_only = _read_only_adapter(model, not check_hashable)
    call_node: dict[int, int] = {}
    for node, e in enumerate(entries, 1):
        if e.is_call:
            call_node[e.id] = node
            inp[node] = e.value
            bit[node] = 1 << e.id
            opid[node] = e.id
            memo[node] = {} if use_memo else _NoMemo()
        else:
            c = call_node[e.id]
            match[c] = node
            out[c] = e.value

    seen: set[tuple[int, Any]] = set()  # the cache of configurations
    # stack of (call node, state before, bitset before, whether it was forced)
    calls: list[tuple[int, Any, int, bool]] = []
    miss, fail = _MISS, _FAIL  # locals are faster than globals in the loop

    def stepped(node: int, state: Any) -> Any:
        """The state after the call at ``node`` (memoized), or _FAIL."""
        known = memo[node]
        new_state = known.get(state, miss)  # type: ignore[union-attr]
        if new_state is miss:
            ok, new_state = step(state, inp[node], out[node])
            if not ok:
                new_state = fail
            elif check_hashable:
                _require_hashable(new_state)
            if len(known) < MEMO_LIMIT:  # type: ignore[arg-type]
                known[state] = new_state  # type: ignore[index]
        return new_state

    def settle(state: Any, lin: int) -> tuple[int, Any, bool]:
        """The first move in a new configuration, scanning its candidates once: (a read-only
        candidate, its state, True) to force it; else (the first legal candidate leading
        to an unexplored configuration, its state, False); else (the first pending return,
        _FAIL, False) to backtrack, also when the read-only candidate's configuration is
        already explored (then this one has no completion either)."""
        node = nxt[0]
        first, first_state = 0, fail
        while memo[node] is not None:  # the candidates run up to the first return
            new_state = stepped(node, state)
            if new_state is not fail:
                key = (lin | bit[node], new_state)
                if ((new_state is state or new_state == state)
                        and read_only(state, inp[node], out[node])):  # type: ignore[misc]
                    if key not in seen:
                        return node, new_state, True
                    first = 0
                    break
                if not first and key not in seen:
                    first, first_state = node, new_state
            node = nxt[node]
        if first:
            return first, first_state, False
        while memo[node] is not None:
            node = nxt[node]
        return node, fail, False

    verbose = longest is not None
    ids: list[int] = []  # operation ids on the stack (verbose only)
    # floor[d] is a lower bound of min(longest_len[i] for i in ids[:d + 1]): it lets a
    # backtrack see in O(1) that no operation on the stack gets a longer prefix.
    floor: list[int] = []
    longest_len = [0] * n_ops
    lin = 0
    entry = nxt[0]
    if entry == tail:
        return True
    budget = SLICE
    forcing = read_only is not None
    fresh = forcing  # a new configuration whose first move settle() picks
    forced = False
    new_state: Any = fail
    while True:
        if fresh:
            fresh = False
            entry, new_state, forced = settle(state, lin)
        else:
            # the scan: up to a legal call leading to an unexplored configuration, or a return
            while True:
                known = memo[entry]
                if known is None:
                    break
                new_state = known.get(state, miss)
                if new_state is miss:  # stepped(), inlined as this is the hot loop
                    ok, new_state = step(state, inp[entry], out[entry])
                    if not ok:
                        new_state = fail
                    elif check_hashable:
                        _require_hashable(new_state)
                    if len(known) < MEMO_LIMIT:
                        known[state] = new_state
                if new_state is not fail and (lin | bit[entry], new_state) not in seen:
                    break
                entry = nxt[entry]
        if memo[entry] is not None:
            new_lin = lin | bit[entry]
            seen.add((new_lin, new_state))
            calls.append((entry, state, lin, forced))
            if verbose:
                o = opid[entry]
                below = floor[-1] if floor else n_ops + 1
                here = longest_len[o]
                floor.append(here if here < below else below)
                ids.append(o)
            state = new_state
            lin = new_lin
            # lift the call and its return out of the list
            ret = match[entry]
            a = prv[entry]
            b = nxt[entry]
            nxt[a] = b
            prv[b] = a
            a = prv[ret]
            b = nxt[ret]
            nxt[a] = b
            prv[b] = a
            entry = nxt[0]
            if entry == tail:
                break  # everything is linearized
            fresh = forcing
        else:
            # A return whose call is pending: nothing more to try at this depth, nor below
            # a forced frame.
            forced = True
            while forced:
                if not calls:
                    return False
                if verbose:
                    depth = len(calls)
                    d = depth - 1
                    if floor[d] < depth:
                        seq = None
                        while d >= 0 and floor[d] < depth:
                            o = ids[d]
                            if longest_len[o] < depth:
                                if seq is None:
                                    seq = ids[:]
                                longest[o] = seq  # type: ignore[index]
                                longest_len[o] = depth
                            floor[d] = depth
                            d -= 1
                    floor.pop()
                    ids.pop()
                entry, state, lin, forced = calls.pop()
                ret = match[entry]
                # unlift: put the return back, then the call
                nxt[prv[ret]] = ret
                prv[nxt[ret]] = ret
                nxt[prv[entry]] = entry
                prv[nxt[entry]] = entry
            entry = nxt[entry]
        budget -= 1
        if not budget:
            budget = SLICE
            yield
    if verbose:
        seq = [opid[c[0]] for c in calls]
        for i in range(n_ops):
            longest[i] = seq  # type: ignore[index]
    return True
