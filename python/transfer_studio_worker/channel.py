"""Transports for the JSON-lines protocol: stdio, a TCP socket, or nothing (non-zero DDP ranks).

Every event is checked against the protocol's field lists before it is written: an invalid line
would be dropped by the parent anyway, so it is reported on stderr instead (and raised when
TRANSFER_STUDIO_STRICT_EVENTS=1, which the tests set). Writes are serialised by a lock: the
training thread, the request thread and the command reader all send.
"""
from __future__ import annotations

import json
import os
import socket
import sys
import threading
from typing import Any, Callable, Dict, Optional

from .protocol import event_problems

# called with each decoded command (or the exception that decoding raised), then None at EOF
OnLine = Callable[[Any], None]


class Channel:
    """Base: validation, locking, the reader thread. Subclasses give `_write` and `_lines`."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._closed = False
        self.strict = os.environ.get('TRANSFER_STUDIO_STRICT_EVENTS') == '1'

    def send(self, event: Dict[str, Any]) -> None:
        problems = event_problems(event)
        if problems:
            message = f'transfer-studio-worker: invalid {event.get("type")!r} event not sent: {"; ".join(problems)}'
            if self.strict:
                raise AssertionError(message)
            print(message, file=sys.stderr, flush=True)
            return
        line = json.dumps(event, ensure_ascii=False, allow_nan=False, separators=(',', ':')) + '\n'
        with self._lock:
            if self._closed:
                return
            try:
                self._write(line.encode('utf-8'))
            except (BrokenPipeError, ConnectionError, OSError):
                self._closed = True  # the parent is gone; the reader sees EOF and the worker exits

    def start_reader(self, on_line: OnLine) -> threading.Thread:
        def read() -> None:
            try:
                for raw in self._lines():
                    text = raw.decode('utf-8', errors='replace').strip()
                    if not text:
                        continue
                    try:
                        on_line(json.loads(text))
                    except json.JSONDecodeError as e:
                        on_line(ValueError(f'invalid command: not JSON ({e.msg} at column {e.colno})'))
            finally:
                on_line(None)

        thread = threading.Thread(target=read, name='transfer-studio-commands', daemon=True)
        thread.start()
        return thread

    def close(self) -> None:
        with self._lock:
            self._closed = True

    def _write(self, data: bytes) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def _lines(self):  # pragma: no cover - abstract
        raise NotImplementedError


class StdioChannel(Channel):
    """Commands on stdin, events on the ORIGINAL stdout; fd 1 and sys.stdout then point at stderr,
    so a stray print (ours, a library's, or C code writing to fd 1) never corrupts the channel."""

    def __init__(self) -> None:
        super().__init__()
        sys.stdout.flush()
        self._out = os.fdopen(os.dup(1), 'wb', buffering=0)
        os.dup2(2, 1)
        sys.stdout = sys.stderr
        self._in = sys.stdin.buffer

    def _write(self, data: bytes) -> None:
        self._out.write(data)

    def _lines(self):
        return iter(self._in.readline, b'')


class SocketChannel(Channel):
    """TCP to the server the TypeScript side opens on 127.0.0.1; the first line is the hello with
    the token it handed us, so no other local process can drive the worker."""

    def __init__(self, address: str, token: str, timeout: float = 30.0) -> None:
        super().__init__()
        host, _, port = address.rpartition(':')
        if not host or not port.isdigit():
            raise ValueError(f'--connect expects HOST:PORT, got {address!r}')
        self._sock = socket.create_connection((host, int(port)), timeout=timeout)
        self._sock.settimeout(None)
        self._sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._reader = self._sock.makefile('rb')
        hello = json.dumps({'type': 'hello', 'token': token, 'pid': os.getpid()}) + '\n'
        self._sock.sendall(hello.encode('utf-8'))
        sys.stdout = sys.stderr  # prints go to the log, never into the protocol

    def _write(self, data: bytes) -> None:
        self._sock.sendall(data)

    def _lines(self):
        return iter(self._reader.readline, b'')

    def close(self) -> None:
        super().close()
        try:
            self._sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self._sock.close()


class NullChannel(Channel):
    """Ranks other than 0 under torchrun: silent, no commands (rank 0 broadcasts what they need)."""

    def send(self, event: Dict[str, Any]) -> None:
        pass

    def start_reader(self, on_line: OnLine) -> threading.Thread:
        thread = threading.Thread(target=lambda: None, daemon=True)
        thread.start()
        return thread


class ListChannel(Channel):
    """In-process: events appended to a list (tests, and one-shot CLI use)."""

    def __init__(self) -> None:
        super().__init__()
        self.events: list = []
        self.strict = True

    def _write(self, data: bytes) -> None:
        self.events.append(json.loads(data.decode('utf-8')))

    def _lines(self):
        return iter(())


def open_channel(stdio: bool, connect: Optional[str], token: Optional[str]) -> Channel:
    if connect:
        return SocketChannel(connect, token or '')
    if stdio:
        return StdioChannel()
    raise ValueError('choose a transport: --stdio or --connect HOST:PORT --token T')

