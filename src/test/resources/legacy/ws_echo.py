"""A WebSocket server standing for the legacy socket server (gnrasync) in the tunnel tests.

Usage: python3 ws_echo.py PORT PING_INTERVAL_SECONDS

Every message is echoed as it came (text or binary), except these text commands:
  headers         answers the upgrade request's headers as JSON (lower-case names)
  close:CODE      closes the socket with CODE and the reason "bye"
  close-empty     closes the socket with a close frame without a code (what Tornado's close() sends)
  name:N          names this socket N (answers "named N")
  closed:N        answers the close code the socket named N received from its client ("None" while open)
  count           answers the number of sockets open now
  stall           reads nothing more from this socket (its client's writes back up)
A socket opened with ?burst=N&size=S in its path is sent, as soon as it opens, N text messages
"<i>:" followed by S characters of a pattern known from i (see burst_message).
The server pings every socket every PING_INTERVAL seconds and drops one that does not answer
within twice that. It prints "ready" once it listens.
"""
import asyncio
import json
import sys
import urllib.parse

import websockets
from websockets.frames import Close

OPEN = set()
CLOSES = {}  # socket name -> close code received from its client


def burst_message(i, size):
    pattern = "%d-abcdefghijklmnopqrstuvwxyz0123456789|" % i
    return "%d:" % i + (pattern * (size // len(pattern) + 1))[:size]


async def handler(socket, path=None):
    OPEN.add(socket)
    name = None
    try:
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(path or socket.path).query)
        if "burst" in query:
            size = int(query.get("size", ["20000"])[0])
            for i in range(int(query["burst"][0])):
                await socket.send(burst_message(i, size))
        async for message in socket:
            if message == "headers":
                await socket.send(json.dumps({k.lower(): v for k, v in socket.request_headers.raw_items()}))
            elif message == "close-empty":
                await socket.write_close_frame(Close(1005, ""), b"")
            elif isinstance(message, str) and message.startswith("close:"):
                await socket.close(int(message[6:]), "bye")
            elif isinstance(message, str) and message.startswith("name:"):
                name = message[5:]
                await socket.send("named " + name)
            elif isinstance(message, str) and message.startswith("closed:"):
                await socket.send(str(CLOSES.get(message[7:])))
            elif message == "count":
                await socket.send(str(len(OPEN)))
            elif message == "stall":
                await asyncio.sleep(3600)  # reads nothing more: its client's writes back up
            else:
                await socket.send(message)
    except websockets.ConnectionClosed:
        pass
    finally:
        OPEN.discard(socket)
        if name is not None:
            CLOSES[name] = socket.close_rcvd.code if socket.close_rcvd else socket.close_code


async def main(port, ping_interval):
    async with websockets.serve(handler, "127.0.0.1", port, ping_interval=ping_interval,
                                ping_timeout=ping_interval * 2, max_size=16 * 1024 * 1024, backlog=2048):
        print("ready", flush=True)
        await asyncio.Future()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]), float(sys.argv[2])))
