"""The worker process: `python -m transfer_studio_worker`.

  --stdio                          commands on stdin, events on stdout (one JSON object per line)
  --connect HOST:PORT --token T    the same over TCP to the parent (always so under torchrun,
                                   where rank 0 alone connects; the others stay silent)
  --plan FILE                      train this plan at once, then exit (every torchrun rank reads it)
  env [--json]                     print the environment report; exit 3 when torch cannot be imported

Training runs on the main thread; a reader thread takes commands (a `stop` sets a flag the loop
checks between batches), requests (env, inspect, predict) run on a thread of their own.
Exit codes: 0 done, 70 training failed (after an `error` event), 3 no torch (env), 2 bad usage.
"""
from __future__ import annotations

import argparse
import json
import os
import queue
import signal
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Dict, Optional

from .channel import Channel, NullChannel, open_channel
from .protocol import PROTOCOL_VERSION, ProtocolError, UserError, command_id, error_info, parse_command

EXIT_FAILED = 70
EXIT_NO_TORCH = 3


class Worker:
    def __init__(self, channel: Channel, rank: int = 0) -> None:
        self.channel = channel
        self.rank = rank
        self.stop = threading.Event()
        self.shutdown = threading.Event()
        self.training = threading.Event()
        self.commands: 'queue.Queue[Optional[Dict[str, Any]]]' = queue.Queue()
        self.requests = ThreadPoolExecutor(max_workers=1, thread_name_prefix='transfer-studio-request')

    def send(self, event: Dict[str, Any]) -> None:
        if event.get('type') == 'done':
            # the run is over once its parent reads `done`: a `train` sent straight back must be
            # accepted, and a `stop` sent for that next run must not be cleared by this one's end
            if not self.shutdown.is_set():
                self.stop.clear()
            self.training.clear()
        self.channel.send(event)

    def log(self, message: str, level: str = 'info') -> None:
        self.send({'type': 'log', 'level': level, 'message': message})

    # --- commands, on the reader thread ----------------------------------------------------

    def on_line(self, raw: Any) -> None:
        if raw is None:  # the parent closed the channel: stop gracefully, then exit
            self.stop.set()
            self.shutdown.set()
            self.commands.put(None)
            return
        if isinstance(raw, Exception):
            self.send({'type': 'error', 'error': {'message': str(raw), 'user': True}})
            return
        try:
            cmd = parse_command(raw)
        except ProtocolError as e:
            event: Dict[str, Any] = {'type': 'error', 'error': error_info(e)}
            rid = command_id(raw)
            if rid is not None:
                event['id'] = rid
            self.send(event)
            return
        kind = cmd['type']
        if kind == 'stop':
            self.stop.set()
            self.log('stop requested: finishing the current batch' if self.training.is_set() else 'stop requested (no training in progress)')
        elif kind == 'shutdown':
            self.stop.set()
            self.shutdown.set()
            self.commands.put(None)
        elif kind == 'train':
            if self.training.is_set():
                self.send({'type': 'error', 'error': {'message': 'a training run is already in progress in this worker', 'user': True}})
                return
            self.training.set()
            self.commands.put(cmd)
        else:
            self.requests.submit(self.answer, cmd)

    def answer(self, cmd: Dict[str, Any]) -> None:
        try:
            if cmd['type'] == 'env':
                from .env import report
                value: Any = report()
            elif cmd['type'] == 'inspect':
                from .torchvision_models import summary
                if cmd['model'].get('kind') != 'torchvision':
                    raise UserError(f'inspect: model.kind: this worker inspects torchvision models, not {cmd["model"].get("kind")!r}',
                                    hint='TF.js and Keras models are inspected by the TF.js engine')
                value = summary(cmd['model'])
            else:
                from .torchvision_models import predict
                value = predict(cmd['model'], cmd['files'], cmd.get('topK'))
            self.send({'type': 'result', 'id': cmd['id'], 'value': value})
        except BaseException as e:  # noqa: B902 - a request must always be answered
            self.send({'type': 'error', 'id': cmd['id'], 'error': error_info(e)})

    # --- training, on the main thread -------------------------------------------------------

    def train(self, plan: Any, dist: Any = None) -> int:
        from .train.run import run_training
        try:
            run_training(plan, self.send, self.stop.is_set, dist)
            return 0
        except BaseException as e:  # noqa: B902 - reported, then the process exits 70
            if isinstance(e, KeyboardInterrupt):
                e = UserError('interrupted')
            if self.rank != 0:
                print(f'transfer-studio-worker rank {self.rank}: {json.dumps(error_info(e))}', file=sys.stderr, flush=True)
            self.send({'type': 'error', 'error': error_info(e)})
            return EXIT_FAILED
        finally:
            if self.training.is_set():  # ended without `done` (an error): send() did not clear them
                self.training.clear()
                if not self.shutdown.is_set():
                    self.stop.clear()  # a stop that came before `train` counted for that run only

    def serve(self) -> int:
        while True:
            cmd = self.commands.get()
            if cmd is None:
                self.requests.shutdown(wait=True)  # requests already received are still answered
                return 0
            code = self.train(cmd['plan'])
            if code:
                return code
            if self.shutdown.is_set():
                self.requests.shutdown(wait=True)
                return 0


def _interrupts(worker: Worker) -> None:
    """Ctrl-C in a terminal reaches the whole process group: the first one is a graceful stop."""
    def handler(_sig: int, _frame: Any) -> None:
        if worker.stop.is_set():
            raise KeyboardInterrupt
        worker.stop.set()
        worker.log('interrupted: finishing the current batch (press Ctrl-C again to abort)', 'warn')
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, handler)
        if worker.rank == 0 and int(os.environ.get('WORLD_SIZE', '1')) > 1:
            signal.signal(signal.SIGTERM, lambda _s, _f: _group_ended(worker))


def _group_ended(worker: Worker) -> None:
    """torchrun ends every process when one fails: rank 0 says so before it goes (the failing
    rank wrote its own error to stderr, which reaches the parent's log)."""
    worker.send({'type': 'error', 'error': {'message': 'another process of the torchrun group failed or was stopped; training ended',
                                           'user': False, 'hint': 'the log has the failing process\'s error (stderr of torchrun)'}})
    exit_now(EXIT_FAILED)


def env_command(as_json: bool) -> int:
    from .env import format_report, report
    env = report()
    print(json.dumps(env, indent=2) if as_json else format_report(env), flush=True)
    return EXIT_NO_TORCH if env['torch'] is None else 0


def main(argv: Optional[list] = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args[:1] == ['env']:
        return env_command('--json' in args[1:])
    p = argparse.ArgumentParser(prog='python -m transfer_studio_worker', description='Transfer Studio PyTorch worker')
    p.add_argument('--stdio', action='store_true', help='commands on stdin, events on stdout')
    p.add_argument('--connect', metavar='HOST:PORT', help='connect to the parent over TCP')
    p.add_argument('--token', help='the token the parent expects in the hello line')
    p.add_argument('--plan', metavar='FILE', help='train this plan (JSON file), then exit')
    a = p.parse_args(args)
    world, rank = int(os.environ.get('WORLD_SIZE', '1')), int(os.environ.get('RANK', '0'))
    if not a.stdio and not a.connect:
        p.error('choose a transport: --stdio or --connect HOST:PORT --token T')
    if world > 1 and not a.plan:
        p.error('under torchrun every process needs the plan: pass --plan FILE')
    channel = open_channel(a.stdio, a.connect, a.token) if rank == 0 else NullChannel()
    worker = Worker(channel, rank)
    _interrupts(worker)
    worker.send({'type': 'ready', 'protocol': PROTOCOL_VERSION, 'pid': os.getpid()})
    channel.start_reader(worker.on_line)
    try:
        if a.plan:
            return _train_file(worker, a.plan)
        return worker.serve()
    finally:
        channel.close()


def _train_file(worker: Worker, path: str) -> int:
    try:
        with open(path, encoding='utf-8') as f:
            plan = json.load(f)
    except (OSError, ValueError) as e:
        worker.send({'type': 'error', 'error': error_info(UserError(f'cannot read the plan: {e}', file=path))})
        return EXIT_FAILED
    worker.training.set()
    from .ddp import Dist
    dist = Dist()
    try:
        return worker.train(plan, dist)
    finally:
        dist.close()


def exit_now(code: int) -> None:
    """Exit without joining the reader thread: it sits in a blocking read of stdin or the socket,
    and interpreter shutdown would abort on that stream's lock (SIGABRT instead of our code)."""
    for stream in (sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__):
        try:
            stream.flush()
        except Exception:
            pass
    os._exit(code)


if __name__ == '__main__':
    exit_now(main())
