"""A short, real workload on the emulated network: calls under drops, delays and partitions.

Run with ``make demo`` (or ``python -m labtools.demo --seconds 5 --clients 8``). It
starts a few echo servers, lets clients call them while the network turns
unreliable, partitions servers away and heals them, and prints what the network
did: calls sent, calls answered, calls lost, and bytes moved.
"""

from __future__ import annotations

import argparse
import random
import threading
import time
from dataclasses import dataclass

import labgob
from labrpc.affinity import pin_to_one_cpu
from labrpc import Network, Server, Service


@labgob.register
@dataclass
class EchoArgs:
    client: int = 0
    seq: int = 0
    payload: str = ""


@labgob.register
@dataclass
class EchoReply:
    seq: int = 0
    payload: str = ""


class Echo:
    """A server that answers each call with its own arguments."""

    def __init__(self) -> None:
        self.handled = 0
        self._lock = threading.Lock()

    def echo(self, args: EchoArgs, reply: EchoReply) -> None:
        with self._lock:
            self.handled += 1
        reply.seq = args.seq
        reply.payload = args.payload


def run(seconds: float, nservers: int, nclients: int, seed: int | None) -> dict[str, int]:
    rng = random.Random(seed)
    net = Network()
    echoes = []
    for s in range(nservers):
        echo = Echo()
        echoes.append(echo)
        server = Server()
        server.add_service(Service(echo))
        net.add_server(f"server-{s}", server)

    answered = [0] * nclients
    lost = [0] * nclients
    stop = threading.Event()

    def client(c: int) -> None:
        ends = []
        for s in range(nservers):
            name = f"client-{c}-to-{s}"
            ends.append(net.make_end(name))
            net.connect(name, f"server-{s}")
            net.enable(name, True)
        seq = 0
        while not stop.is_set():
            seq += 1
            reply = EchoReply()
            end = ends[seq % nservers]
            if end.call("Echo.echo", EchoArgs(c, seq, "x" * 16), reply):
                assert reply.seq == seq, "a reply answered the wrong call"
                answered[c] += 1
            else:
                lost[c] += 1

    threads = [threading.Thread(target=client, args=(c,), daemon=True) for c in range(nclients)]
    for t in threads:
        t.start()

    t0 = time.monotonic()
    phase = 0
    while time.monotonic() - t0 < seconds:
        phase += 1
        if phase % 3 == 1:
            net.reliable(False)
            event = "network unreliable (10% requests and 10% replies dropped, 0-26 ms delays)"
        elif phase % 3 == 2:
            cut = rng.randrange(nservers)
            for c in range(nclients):
                net.enable(f"client-{c}-to-{cut}", False)
            event = f"server-{cut} partitioned away from every client"
        else:
            net.reliable(True)
            for c in range(nclients):
                for s in range(nservers):
                    net.enable(f"client-{c}-to-{s}", True)
            event = "network healed and reliable"
        print(f"[{time.monotonic() - t0:5.1f}s] {event}; {net.get_total_count()} calls so far", flush=True)
        time.sleep(min(1.0, max(0.0, seconds - (time.monotonic() - t0))))

    stop.set()
    net.reliable(True)
    for c in range(nclients):
        for s in range(nservers):
            net.enable(f"client-{c}-to-{s}", True)
    for t in threads:
        t.join(timeout=10)
    net.cleanup()
    return {
        "calls sent": net.get_total_count(),
        "calls answered": sum(answered),
        "calls lost": sum(lost),
        "handler runs": sum(e.handled for e in echoes),
        "bytes moved": net.get_total_bytes(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=6.0)
    parser.add_argument("--servers", type=int, default=3)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seed", type=int, default=None)
    args = parser.parse_args()
    if args.seconds <= 0 or args.servers < 1 or args.clients < 1:
        parser.error("--seconds must be positive and --servers/--clients at least 1")
    pin_to_one_cpu()
    counts = run(args.seconds, args.servers, args.clients, args.seed)
    width = max(len(k) for k in counts)
    for key, value in counts.items():
        print(f"{key:>{width}}: {value}")


if __name__ == "__main__":
    main()
