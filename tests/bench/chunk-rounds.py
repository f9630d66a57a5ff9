#!/usr/bin/env python3
"""chunk-rounds.py: times programs and a peer's passes in interleaved rounds.

    chunk-rounds.py ROUNDS PEERCMD -- TAG=PROGRAM ARGS... [-- TAG=...]

PEERCMD is a shell command that starts a peer in paced mode
(chunk-peers.mjs with CHUNK_PEERS_PACED=1): it does one pass over its texts
for each line it reads and prints "BYTES SECONDS CHUNKS" after each; "-"
for none.  In each of ROUNDS rounds, every program is run once (wall time
from just before it starts to just after it is reaped, its output to
/dev/null), then the peer does one pass.  So each is timed over the same
stretch of time: on this machine the speed of everything moves by a third
from one half second to the next, and a program timed only before and after
another's seconds of passes can land in a slow stretch that the other
missed.

Prints one line per program, "TAG BEST MEDIAN" (seconds), then, with a
peer, "peer BEST MEDIAN", and for each program "ratio TAG R" where R is the
median over the rounds of (the peer's pass time / the program's run time in
the same round).  A program that exits non-zero fails the bench.
"""
import statistics
import subprocess
import sys
import time


def main():
    argv = sys.argv[1:]
    if len(argv) < 4 or argv[2] != "--":
        sys.exit("usage: chunk-rounds.py ROUNDS PEERCMD -- TAG=PROG ARGS... "
                 "[-- TAG=PROG ARGS...]")
    rounds, peercmd = int(argv[0]), argv[1]
    progs, cur = [], None
    for a in argv[3:]:
        if a == "--":
            cur = None
            continue
        if cur is None:
            tag, _, prog = a.partition("=")
            cur = [prog]
            progs.append((tag, cur))
        else:
            cur.append(a)
    peer = None
    if peercmd != "-":
        peer = subprocess.Popen(peercmd, shell=True, stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, text=True, bufsize=1)
    times = {tag: [] for tag, _ in progs}
    ptimes = []
    try:
        for _ in range(rounds):
            for tag, cmd in progs:
                t0 = time.perf_counter()
                rc = subprocess.run(cmd, stdin=subprocess.DEVNULL,
                                    stdout=subprocess.DEVNULL).returncode
                t = time.perf_counter() - t0
                if rc != 0:
                    sys.exit("%s exited with %d" % (cmd[0], rc))
                times[tag].append(t)
            if peer is not None:
                peer.stdin.write("\n")
                peer.stdin.flush()
                line = peer.stdout.readline()
                if not line:
                    sys.exit("the peer stopped")
                ptimes.append(float(line.split()[1]))
    finally:
        if peer is not None:
            peer.stdin.close()
            peer.wait()
    for tag, _ in progs:
        print("%s %.6f %.6f" % (tag, min(times[tag]),
                                statistics.median(times[tag])))
    if peer is not None:
        print("peer %.6f %.6f" % (min(ptimes), statistics.median(ptimes)))
        for tag, _ in progs:
            print("ratio %s %.3f" % (tag, statistics.median(
                p / t for p, t in zip(ptimes, times[tag]))))


if __name__ == "__main__":
    main()
