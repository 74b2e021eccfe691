"""Helpers bench.py and versus.py share: a free port, and talking to a running `briefgen serve`.

They use only HTTP, so they work with any version of briefgen's server.
"""

from __future__ import annotations

import http.client
import socket
import time

EVENTS_PATH = "/__briefgen/events"  # where serve streams its "reload" events (Server-Sent Events)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def fetch(port: int, path: str, timeout: float = 60) -> tuple[int, bytes]:
    """(status, body) of one GET from the server on 127.0.0.1:`port`."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def open_events(port: int, timeout: float) -> http.client.HTTPResponse:
    """The server's event stream, once it answers: serve listens before its first build and answers after it,
    so this waits for that build. Reads on the stream time out after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
            connection.request("GET", EVENTS_PATH)
            response = connection.getresponse()
            if response.status == 200:
                return response
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise SystemExit("serve did not start")
        time.sleep(0.2)


def next_event(stream: http.client.HTTPResponse, deadline: float | None = None) -> None:
    """Read one Server-Sent Event of type reload (heartbeats are comments); TimeoutError once past `deadline`
    (a time.monotonic() value; heartbeats keep the stream busy, so its read timeout alone would never end a
    wait for an event that does not come)."""
    event = None
    while True:
        if deadline is not None and time.monotonic() > deadline:
            raise TimeoutError("no reload event in time")
        raw = stream.readline()
        if not raw:
            raise ConnectionError("serve closed its event stream")
        line = raw.decode().rstrip("\n")
        if line.startswith("event:"):
            event = line.split(":", 1)[1].strip()
        elif line == "" and event == "reload":
            return
