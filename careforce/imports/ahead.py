"""Running an import's database-free row work in a helper process, one batch ahead of the writer.

A big import is CPU-bound in Python (normalising cells, checksums, keyed hashes, encryption, audit
snapshots), and one Python process uses one core. The helper is forked from the importing process, so
it starts with everything that process has loaded (settings, the active language, the file's bytes,
the sheet's reference tables) and needs no start-up. It opens the file (so only the helper ever holds
a workbook's decoded sheet, the biggest thing in an xlsx import's memory) and does each batch's pure
work while the parent classifies and writes the batch before; batches come back in file order.

The helper never touches the database: the connection it inherited belongs to the parent (its
transaction, its socket), so every query from the helper is refused, loudly, and the import fails
instead of corrupting the parent's session. Records the parent shares with it (occupations,
institutions …) cross back as references to the parent's own objects, not copies. A ValidationError
(a file that turns out unreadable halfway) is raised in the parent as itself, so the user gets its
message; anything else is a HelperFailed.
"""

from __future__ import annotations

import copyreg
import faulthandler
import io
import multiprocessing
import os
import pickle
import resource
import traceback
from collections.abc import Iterator, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connections


class HelperFailed(RuntimeError):
    """The helper process stopped before the end of the file (its traceback, when it could send one)."""


def can_fork() -> bool:
    """Fork is how the helper starts without repeating the parent's set-up (Linux; not macOS/Windows);
    a daemonic process (a multiprocessing pool's worker) may not start one."""
    return "fork" in multiprocessing.get_all_start_methods() and not multiprocessing.current_process().daemon


def available() -> bool:
    """Whether a helper can also make the import faster: on one core it only costs the hand-over."""
    return can_fork() and (os.cpu_count() or 1) > 1


def _address_space() -> int:
    """This process's virtual size in bytes (what RLIMIT_AS counts)."""
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[0]) * resource.getpagesize()


def limit_memory(budget: int) -> None:
    """Let this process grow by at most `budget` bytes of address space beyond what it holds now (a forked
    child starts with its parent's mappings, which it shares and does not use up). Beyond it, an allocation
    fails: MemoryError in Python, an abort in a native reader; either ends this process only."""
    try:
        limit = _address_space() + budget
    except OSError:  # no /proc: no limit rather than a wrong one
        return
    _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


def _shared(index: int) -> Any:
    """Stands for a shared object in a pickle; the parent's unpickler puts its own lookup here."""
    raise AssertionError("only the parent's unpickler resolves shared objects")


class _Pickler(pickle.Pickler):
    """Pickles shared objects as their index. Through dispatch_table, so the check costs a C dictionary
    lookup by type instead of a Python call for every object of the message."""

    def __init__(self, file: io.BytesIO, shared: Sequence[Any]):
        super().__init__(file, protocol=pickle.HIGHEST_PROTOCOL)
        index = {id(obj): i for i, obj in enumerate(shared)}

        def reduce(obj: Any) -> Any:
            i = index.get(id(obj))
            return (_shared, (i,)) if i is not None else obj.__reduce_ex__(pickle.HIGHEST_PROTOCOL)

        self.dispatch_table = copyreg.dispatch_table | {type(obj): reduce for obj in shared}


class _Unpickler(pickle.Unpickler):
    def __init__(self, file: io.BytesIO, shared: Sequence[Any]):
        super().__init__(file)
        self.shared = shared

    def find_class(self, module: str, name: str) -> Any:
        if module == __name__ and name == "_shared":
            return self.shared.__getitem__
        return super().find_class(module, name)


def _refuse_queries(execute, sql, params, many, context):
    raise RuntimeError("The import helper process may not use the database; this work belongs in the parent.")


def _helper(items: Iterator[Any], shared: Sequence[Any], sender: Any, memory_limit: int | None) -> None:
    # A native reader's crash here is the job's failure, reported by the parent with the exit code; a
    # Python stack dump of this process into the worker's log (faulthandler, inherited) adds only alarm.
    faulthandler.disable()
    if memory_limit:
        limit_memory(memory_limit)
    for alias in connections:
        connections[alias].execute_wrappers.append(_refuse_queries)
    buffer = io.BytesIO()
    pickler = _Pickler(buffer, shared)

    def send(message: Any) -> None:
        buffer.seek(0)
        buffer.truncate()
        pickler.clear_memo()
        pickler.dump(message)
        sender.send_bytes(buffer.getbuffer())

    try:
        for item in items:
            send(("item", item))
        send(("done", None))
    except ValidationError as exc:
        sender.send_bytes(pickle.dumps(("invalid", exc)))
    except MemoryError:
        # Its traceback could need the memory that ran out; the parent names the limit.
        sender.send_bytes(
            pickle.dumps(("failed", "MemoryError: the helper process reached its memory limit"))
        )
    except BaseException:
        sender.send_bytes(pickle.dumps(("failed", traceback.format_exc())))


def run_ahead(
    items: Iterator[Any], *, shared: Sequence[Any] = (), memory_limit: int | None = None
) -> Iterator[Any]:
    """The items of `items`, produced in a forked helper process, yielded in order.

    `items` is a lazy iterator (a generator) that only the helper advances: the work it does per item
    happens there. `shared` are objects both processes hold (made before this call); when the helper's
    items refer to them, the parent gets its own objects back.
    The helper is at most one item ahead (the pipe holds one message), so memory stays flat; it is
    stopped when the caller stops iterating, whatever the reason. With `memory_limit`, the helper may
    grow by at most that many bytes; running out (or any crash) raises HelperFailed here."""
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(target=_helper, args=(items, shared, sender, memory_limit), daemon=True)
    process.start()
    sender.close()
    try:
        while True:
            try:
                data = receiver.recv_bytes()
            except EOFError:
                process.join(5)  # its exit code (a signal is negative) says how it ended
                raise HelperFailed(
                    f"the import helper process ended unexpectedly (exit code {process.exitcode})"
                ) from None
            kind, payload = _Unpickler(io.BytesIO(data), shared).load()
            if kind == "item":
                yield payload
            elif kind == "done":
                return
            elif kind == "invalid":
                raise payload
            else:
                raise HelperFailed(payload)
    finally:
        receiver.close()
        if process.is_alive():
            process.kill()
        process.join()
