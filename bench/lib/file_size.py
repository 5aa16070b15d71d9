"""A steady write load on one Resident server (demo mode, /_bench pages, embedded store) while the
state file's size and the server's RSS are sampled; then the load stops and sampling goes on idle.
Used by bench/file-size; see there.

    python3 file_size.py --port P --pid PID --file STATE.mv --minutes 60 --idle-minutes 5 \
        [--opens 10] [--rpcs 100] [--creates 4] [--logins 1] [--every 30] [--out samples.tsv]

Each of --workers threads plays a visitor: a guest session that now and then logs in (a demo user,
--logins a second over all threads) and out, keeps a few /_bench pages of ~1 KB data open,
replacing one (close, open) at --opens a second over all (--pages each, opened at once at the
start; a login ends a guest's pages, refilled at --opens), calls `inc` on them (--rpcs a second:
page snapshots written within SNAPSHOT_INTERVAL, batched) and, when logged in, keeps a /board page
on which it creates and updates orders (--creates a second: each rewrites the demo's order table
in the global Store, up to 32 KB, a commit the call waits for). Every --every seconds one line:
minutes, file bytes, RSS, bytes the server wrote (/proc/PID/io) since the last line, operations.
"""
import argparse
import http.client
import json
import random
import sys
import threading
import time

USERS = ("alice", "bob", "carol")


class Pacer:
    """Hands out `rate` slots a second over all threads (0: none)."""

    def __init__(self, rate):
        self.gap = 1.0 / rate if rate > 0 else None
        self.next = time.monotonic()
        self.lock = threading.Lock()

    def due(self):
        """True when a slot is due now (and takes it)."""
        if self.gap is None:
            return False
        with self.lock:
            now = time.monotonic()
            if now < self.next:
                return False
            self.next = max(self.next + self.gap, now - 1.0)  # at most a second of backlog
            return True


class Counters:
    def __init__(self):
        self.lock = threading.Lock()
        self.counts = {}

    def add(self, name):
        with self.lock:
            self.counts[name] = self.counts.get(name, 0) + 1

    def take(self):
        with self.lock:
            counts, self.counts = self.counts, {}
        return counts


class Visitor:
    def __init__(self, args, pacers, counters, running):
        self.port = args.port
        self.keep = args.pages
        self.filled = False
        self.pacers = pacers
        self.counters = counters
        self.running = running
        self.http = None
        self.cookie = None
        self.user = None
        self.pages = []
        self.board = None
        self.orders = []

    def call(self, path, body, expect):
        for attempt in range(3):
            try:
                if self.http is None:
                    self.http = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
                headers = {"Content-Type": "application/json"}
                if self.cookie:
                    headers["Cookie"] = self.cookie
                self.http.request("POST", path, body=json.dumps(body), headers=headers)
                response = self.http.getresponse()
                data = response.read()
                for name, value in response.getheaders():
                    if name.lower() == "set-cookie" and value.startswith("rsd_cid="):
                        self.cookie = value.split(";")[0]
                if response.status != expect:
                    self.counters.add(f"status_{response.status}_{path}")
                    return None
                return json.loads(data) if data else {}
            except (OSError, http.client.HTTPException):
                self.http = None
                self.counters.add("io_error")
        return None

    def open_bench(self):
        data = {f"f{i}": "".join(random.choice("abcdefghij") for _ in range(90)) for i in range(10)}
        opened = self.call("/_/pages", {"path": "/_bench", "params": {"tables": [], "data": data}}, 201)
        if opened:
            self.pages.append(opened["page_id"])
            self.counters.add("open")

    def close(self, page):
        self.call("/_/close", {"page_id": page}, 204)

    def login(self):
        user = random.choice(USERS)
        if self.call("/_/login", {"user": user, "password": user}, 200) is not None:
            self.user = user
            self.counters.add("login")
            self.pages = []  # a login ends the guest's pages
            opened = self.call("/_/pages", {"path": "/board", "params": {}}, 201)
            self.board = opened["page_id"] if opened else None

    def logout(self):
        self.call("/_/logout", {}, 204)
        self.counters.add("logout")
        self.user, self.board, self.pages = None, None, []

    def run(self):
        while self.running.is_set():
            acted = False
            if self.pacers["logins"].due():
                acted = True
                if self.user:
                    self.logout()
                else:
                    self.login()
            if (not self.filled and len(self.pages) < self.keep) or self.pacers["opens"].due():
                acted = True  # the first pages at once, then replaced (or refilled after a login) at --opens
                if len(self.pages) >= self.keep:
                    self.close(self.pages.pop(0))
                self.open_bench()
                self.filled = self.filled or len(self.pages) >= self.keep
            if self.pages and self.pacers["rpcs"].due():
                acted = True
                if self.call("/_/rpc", {"page_id": random.choice(self.pages), "method": "inc"}, 200) is not None:
                    self.counters.add("rpc")
            if self.board and self.pacers["creates"].due():
                acted = True
                if self.orders and random.random() < 0.5:
                    params = {"id": random.choice(self.orders), "qty": random.randint(1, 999)}
                    done = self.call("/_/rpc", {"page_id": self.board, "method": "update", "params": params}, 200)
                else:
                    params = {"customer": f"customer {random.randint(1, 10**6)}", "item": "item " + "x" * random.randint(5, 60),
                              "qty": random.randint(1, 99)}
                    done = self.call("/_/rpc", {"page_id": self.board, "method": "create", "params": params}, 200)
                    if done and isinstance(done.get("result"), dict) and "id" in done["result"]:
                        self.orders = (self.orders + [done["result"]["id"]])[-10:]
                if done is not None:
                    self.counters.add("store_write")
            if not acted:
                time.sleep(0.005)


def rss(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


def written(pid):
    with open(f"/proc/{pid}/io") as io:
        for line in io:
            if line.startswith("write_bytes:"):
                return int(line.split()[1])
    return 0


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--pid", type=int, required=True)
    parser.add_argument("--file", required=True)
    parser.add_argument("--minutes", type=float, default=60)
    parser.add_argument("--idle-minutes", type=float, default=5)
    parser.add_argument("--workers", type=int, default=16)
    parser.add_argument("--pages", type=int, default=4, help="pages each visitor keeps open")
    parser.add_argument("--opens", type=float, default=10)
    parser.add_argument("--rpcs", type=float, default=100)
    parser.add_argument("--creates", type=float, default=4)
    parser.add_argument("--logins", type=float, default=1)
    parser.add_argument("--every", type=float, default=30)
    parser.add_argument("--out", default=None)
    args = parser.parse_args()
    import os

    pacers = {name: Pacer(getattr(args, name)) for name in ("opens", "rpcs", "creates", "logins")}
    counters = Counters()
    running = threading.Event()
    running.set()
    threads = [threading.Thread(target=Visitor(args, pacers, counters, running).run, daemon=True)
               for _ in range(args.workers)]
    out = open(args.out, "a") if args.out else None

    def emit(line):
        print(line, flush=True)
        if out:
            out.write(line + "\n")
            out.flush()

    emit("# " + " ".join(sys.argv[1:]))
    emit("min\tphase\tfile_MB\trss_MB\twritten_MB_s\tops")
    start = time.monotonic()
    for thread in threads:
        thread.start()
    last_written, last_time = written(args.pid), start
    end_load = start + args.minutes * 60
    end = end_load + args.idle_minutes * 60
    tick = start
    while True:
        tick += args.every
        time.sleep(max(0.0, tick - time.monotonic()))
        now = time.monotonic()
        phase = "load" if running.is_set() else "idle"
        if running.is_set() and now >= end_load - 0.5:
            running.clear()
            for thread in threads:
                thread.join(60)
        size = os.path.getsize(args.file)
        bytes_written = written(args.pid)
        rate = (bytes_written - last_written) / (now - last_time) / 1e6
        last_written, last_time = bytes_written, now
        ops = counters.take()
        ops_s = " ".join(f"{k}={v / args.every:.1f}/s" for k, v in sorted(ops.items()))
        emit(f"{(now - start) / 60:.1f}\t{phase}\t{size / 1e6:.1f}\t{rss(args.pid) / 1e6:.0f}\t{rate:.2f}\t{ops_s}")
        if now >= end - 0.5:
            break


if __name__ == "__main__":
    main()
