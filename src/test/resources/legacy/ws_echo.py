"""A WebSocket server standing for the legacy socket server (gnrasync) in the tunnel tests.

Usage: python3 ws_echo.py PORT PING_INTERVAL_SECONDS

Every message is echoed as it came (text or binary), except these text commands:
  headers         answers the upgrade request's headers as JSON (lower-case names)
  close:CODE      closes the socket with CODE and the reason "bye"
  last-close      answers the close code the last closed socket received from its client
  count           answers the number of sockets open now
The server pings every socket every PING_INTERVAL seconds and drops one that does not answer
within twice that. It prints "ready" once it listens.
"""
import asyncio
import json
import sys

import websockets

OPEN = set()
LAST_CLOSE = {"code": None}


async def handler(socket, path=None):
    OPEN.add(socket)
    try:
        async for message in socket:
            if message == "headers":
                await socket.send(json.dumps({k.lower(): v for k, v in socket.request_headers.raw_items()}))
            elif isinstance(message, str) and message.startswith("close:"):
                await socket.close(int(message[6:]), "bye")
            elif message == "last-close":
                await socket.send(str(LAST_CLOSE["code"]))
            elif message == "count":
                await socket.send(str(len(OPEN)))
            else:
                await socket.send(message)
    except websockets.ConnectionClosed:
        pass
    finally:
        OPEN.discard(socket)
        if socket.close_code is not None and socket.close_code != 1006:
            LAST_CLOSE["code"] = socket.close_rcvd.code if socket.close_rcvd else socket.close_code


async def main(port, ping_interval):
    async with websockets.serve(handler, "127.0.0.1", port, ping_interval=ping_interval,
                                ping_timeout=ping_interval * 2, max_size=16 * 1024 * 1024, backlog=2048):
        print("ready", flush=True)
        await asyncio.Future()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]), float(sys.argv[2])))
