# One fast reader: K pipelined GETs of /_/resident.js read to the end, 5 times; the best MB/s. (bench/README.md, "Thirty-sixth session")
import socket, sys, time
port, k = int(sys.argv[1]), int(sys.argv[2])
best = 0
for r in range(5):
    s = socket.create_connection(('127.0.0.1', port))
    req = b"GET /_/resident.js HTTP/1.1\r\nHost: localhost\r\n\r\n" * (k - 1) + b"GET /_/resident.js HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
    t = time.perf_counter(); s.sendall(req); n = 0
    while True:
        b = s.recv(1 << 20)
        if not b: break
        n += len(b)
    dt = time.perf_counter() - t; s.close()
    best = max(best, n / dt / 1e6)
print("bytes %d, best of 5: %.0f MB/s" % (n, best))
