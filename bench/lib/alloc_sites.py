"""Allocation per call and by site, from a JFR recording taken under load (used by bench/alloc-per-call).

  python3 alloc_sites.py JAVA_HOME NAME=JFR:REQ_PER_S [NAME=JFR:REQ_PER_S]

Bytes per call come from the G1 heap summaries (heap used before each GC minus after the one
before, over the recording, divided by the requests); the sites from jdk.ObjectAllocationInNewTLAB
events, each weighted by its TLAB's size: the allocation that opened a TLAB stands for the TLAB.
A site is the first frame in dev.resident (R), else the top two frames (H). With two servers the
sites are listed by the first's bytes per call minus the second's.
"""
import collections
import datetime
import json
import subprocess
import sys


def events(java_home, jfr, name):
    out = subprocess.check_output([java_home + "/bin/jfr", "print", "--json", "--events", name, jfr])
    return json.loads(out)["recording"]["events"]


def bytes_per_second(java_home, jfr):
    rows = sorted((e["values"]["gcId"], e["values"]["when"], e["values"]["heapUsed"], e["values"]["startTime"])
                  for e in events(java_home, jfr, "jdk.GCHeapSummary"))
    after, allocated, times = None, 0, []
    for _, when, used, at in rows:
        if when == "Before GC":
            if after is not None:
                allocated += used - after
                times.append(datetime.datetime.fromisoformat(at[:26]))
        else:
            after = used
    if len(times) < 2:
        raise SystemExit(jfr + ": fewer than 3 collections recorded; record longer")
    return allocated / (times[-1] - times[0]).total_seconds()


def site(frames):
    for frame in frames:
        owner = frame["method"]["type"]["name"]
        if owner.startswith("dev/resident"):
            return "R " + owner.split("/")[-1] + "." + frame["method"]["name"]
    return "H " + " < ".join(f["method"]["type"]["name"].split("/")[-1] + "." + f["method"]["name"] for f in frames[:2])


def sites(java_home, jfr, per_call):
    weights, total = collections.Counter(), 0
    for event in events(java_home, jfr, "jdk.ObjectAllocationInNewTLAB"):
        values = event["values"]
        frames = values["stackTrace"]["frames"] if values.get("stackTrace") else []
        weights[site(frames)] += values["tlabSize"]
        total += values["tlabSize"]
    return {key: weight / total * per_call for key, weight in weights.items()}


def main():
    java_home, servers = sys.argv[1], []
    for arg in sys.argv[2:]:
        name, rest = arg.split("=", 1)
        jfr, rate = rest.rsplit(":", 1)
        per_call = bytes_per_second(java_home, jfr) / float(rate)
        print("%-10s %8.0f req/s  %6.0f bytes allocated per call" % (name, float(rate), per_call))
        servers.append((name, sites(java_home, jfr, per_call)))
    first = servers[0][1]
    second = servers[1][1] if len(servers) > 1 else {}
    keys = sorted(set(first) | set(second), key=lambda k: -(first.get(k, 0) - second.get(k, 0)))
    print()
    print("bytes per call by site" + (": %s, %s, difference" % (servers[0][0], servers[1][0]) if second else ""))
    for key in keys[:int(__import__("os").environ.get("ALLOC_ROWS", "30"))]:
        a, b = first.get(key, 0), second.get(key, 0)
        print(("%7.0f %7.0f %7.0f  %s" % (a, b, a - b, key[:160])) if second else ("%7.0f  %s" % (a, key[:160])))


main()
