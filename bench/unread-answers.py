# N connections from one address each pipeline K GETs of /_/resident.js and read nothing; report the
# server's Send-Q total, the kernel's TCP memory, and the server's stalled-write counters.
import socket, subprocess, sys, time, urllib.request
port, n, k = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
def tcp_mem_pages():
    for line in open('/proc/net/sockstat'):
        if line.startswith('TCP:'):
            parts = line.split(); return int(parts[parts.index('mem') + 1])
def metric(name):
    body = urllib.request.urlopen(urllib.request.Request('http://127.0.0.1:%d/observe/metrics' % port, headers={'Authorization': 'Bearer tok'})).read().decode()
    return sum(float(l.split()[-1]) for l in body.splitlines() if l.startswith(name))
base = tcp_mem_pages()
req = b"GET /_/resident.js HTTP/1.1\r\nHost: localhost\r\n\r\n" * k
conns = []
for i in range(n):
    s = socket.create_connection(('127.0.0.1', port)); s.sendall(req); conns.append(s)
for t in (2, 5):
    time.sleep(t if t == 2 else 3)
    out = subprocess.run(["ss", "-tnH", "state", "established", "sport", "=", ":%d" % port], capture_output=True, text=True).stdout
    sendq = [int(l.split()[1]) for l in out.splitlines() if l.strip()]
    print("t=%ds server sockets=%d sendq total=%.1f MB max=%d KB  tcp mem +%.1f MB  stalled cut=%s send timeouts=%s" % (
        t, len(sendq), sum(sendq) / 1e6, max(sendq or [0]) // 1024, (tcp_mem_pages() - base) * 4096 / 1e6,
        metric('resident_stalled_writes_cut_total'), metric('resident_send_timeouts_total')))
for s in conns: s.close()
