"""Run one handed-in notebook: its own kernel, a scratch directory, a time limit, no network.

- **Scratch copy.** A new temporary directory per notebook holds a copy of the notebook and of
  the book's ``_style.py``; the kernel starts there. A cell that deletes or writes files does so
  in that directory, which is removed afterwards. The submission itself is only ever read.
- **Every cell runs** (``allow_errors``): an error in exercise 1 does not hide exercise 2.
- **Time limit for the whole notebook.** Before each cell the time left is handed to nbclient as
  that cell's limit; the cell that runs past it is recorded, the kernel is killed and the cells
  after it are "not run".
- **No network**, in two layers:

  1. where the system allows unprivileged user namespaces (most Linux machines), the kernel is
     started under ``unshare --user --net --map-root-user``: it lives in a network namespace of
     its own with no interface but a down loopback, so no connection can leave it, whatever the
     code does. The kernel talks to the grader over Unix-domain sockets (ZeroMQ ``ipc``
     transport), which do not need a network;
  2. always: the kernel's Python has ``socket.connect`` refuse any address but loopback (a
     ``sitecustomize`` on its ``PYTHONPATH``), and the proxy variables point at a dead loopback
     port (``127.0.0.1:9``), so HTTP libraries fail fast instead of waiting.

  Layer 2 alone stops ordinary Python code (urllib, requests, ``jax`` downloads); it is not a
  sandbox against a student who sets out to escape it (C extensions, subprocesses). Grading
  runs the students' code with the instructor's rights: see the instructor guide.
"""

from __future__ import annotations

import functools
import math
import os
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from jupyter_client import AsyncKernelManager
from jupyter_core.utils import run_sync
from nbclient import NotebookClient
from nbclient.exceptions import CellTimeoutError, DeadKernelError

UNSHARE = ("unshare", "--user", "--net", "--map-root-user")
DEAD_PROXY = "http://127.0.0.1:9"
# Installed as sitecustomize.py on the kernel's PYTHONPATH (layer 2 above).
SOCKET_GUARD = '''"""Grading: this kernel has no network (gauss_flows.course.grading.execute)."""
import errno
import socket

_LOOPBACK = ("127.", "::1", "localhost")
_connect, _connect_ex = socket.socket.connect, socket.socket.connect_ex


def _allowed(sock, address):
    if sock.family not in (socket.AF_INET, socket.AF_INET6):
        return True
    return str(address[0]).startswith(_LOOPBACK)


def _guarded_connect(self, address):
    if not _allowed(self, address):
        raise OSError(errno.ENETUNREACH, f"no network while grading (tried {address[0]})")
    return _connect(self, address)


def _guarded_connect_ex(self, address):
    return _connect_ex(self, address) if _allowed(self, address) else errno.ENETUNREACH


socket.socket.connect = _guarded_connect
socket.socket.connect_ex = _guarded_connect_ex
'''


@functools.lru_cache(maxsize=1)
def network_namespace_available() -> bool:
    """True if ``unshare`` can give a process an empty network namespace here."""
    if shutil.which(UNSHARE[0]) is None:
        return False
    try:
        return subprocess.run([*UNSHARE, "true"], capture_output=True, timeout=10).returncode == 0
    except (OSError, subprocess.SubprocessError):
        return False


def isolation_note() -> str:
    """How the kernels are kept off the network on this machine, in words (for the reports)."""
    guard = "socket.connect refused for non-loopback addresses, proxies at a dead port"
    if network_namespace_available():
        return f"own empty network namespace (unshare) + {guard}"
    return f"{guard} (no network namespace: unshare unavailable here)"


class _IsolatedKernelManager(AsyncKernelManager):
    """A kernel started inside its own network namespace."""

    def format_kernel_cmd(self, extra_arguments=None):
        return [*UNSHARE, *super().format_kernel_cmd(extra_arguments)]


@dataclass
class Execution:
    """What happened to each cell of one run (indices are those of the notebook's cells)."""

    nb: nbformat.NotebookNode  # the notebook with its outputs
    ran: set[int] = field(default_factory=set)  # cells that ran to their end (with or without error)
    timed_out_cell: int | None = None  # the cell that was running when the time ran out
    kernel_died_cell: int | None = None  # the cell during which the kernel died
    failure: str | None = None  # the kernel could not be started, or similar
    seconds: float = 0.0
    time_limit: float = 0.0


def _kernel_env(root: Path, guard_dir: Path) -> dict[str, str]:
    env = dict(os.environ)
    path = [str(guard_dir), str(root)] + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else [])
    env.update(
        PYTHONPATH=os.pathsep.join(path),
        GAUSS_FLOWS_STATIC="1",  # explorers render their static form, as in the book build
        JAX_PLATFORMS="cpu",
        MPLBACKEND="Agg",
        PYDEVD_DISABLE_FILE_VALIDATION="1",
        NO_PROXY="",
        no_proxy="",
    )
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        env[name] = DEAD_PROXY
    return env


def _kill(client: NotebookClient, km: AsyncKernelManager) -> None:
    """Stop the kernel now, busy or not (nbclient leaves alone a kernel manager it was given)."""
    if client.kc is not None:
        client.kc.stop_channels()
    try:
        if km.has_kernel:
            run_sync(km.shutdown_kernel)(now=True)
    except Exception:  # noqa: BLE001 - already gone
        pass
    run_sync(km.cleanup_resources)()


def run_notebook(nb: nbformat.NotebookNode, *, root: Path, time_limit: float, file_name: str = "submission.ipynb") -> Execution:
    """Execute ``nb`` (modified in place: outputs) in a scratch directory; never raises for the
    notebook's own failures, which are recorded in the returned :class:`Execution`."""
    result = Execution(nb=nb, time_limit=time_limit)
    scratch = Path(tempfile.mkdtemp(prefix="gauss_flows_grade_"))
    start = time.monotonic()
    try:
        work, guard, sockets = scratch / "work", scratch / "guard", scratch / "sockets"
        for folder in (work, guard, sockets):
            folder.mkdir()
        (guard / "sitecustomize.py").write_text(SOCKET_GUARD)
        style = Path(root) / "_style.py"
        if style.is_file():
            shutil.copy2(style, work / "_style.py")
        nbformat.write(nb, str(work / Path(file_name).name))
        manager = _IsolatedKernelManager if network_namespace_available() else AsyncKernelManager
        km = manager(kernel_name="python3", transport="ipc")
        km.connection_file = str(sockets / "kernel.json")
        km.ip = str(sockets / "k")
        client = NotebookClient(nb, km=km, allow_errors=True, timeout=max(1, math.ceil(time_limit)),
                                shutdown_kernel="immediate", startup_timeout=120,
                                resources={"metadata": {"path": str(work)}})
        deadline = start + time_limit
        try:
            with client.setup_kernel(cwd=str(work), env=_kernel_env(Path(root), guard)):
                deadline = time.monotonic() + time_limit  # the kernel's start is not the student's time
                for index, cell in enumerate(nb.cells):
                    if cell.cell_type != "code":
                        continue
                    left = deadline - time.monotonic()
                    if left <= 0:
                        result.timed_out_cell = index
                        break
                    client.timeout = max(1, math.ceil(left))
                    try:
                        client.execute_cell(cell, index)
                    except CellTimeoutError:
                        result.timed_out_cell = index
                        break
                    except DeadKernelError:
                        result.kernel_died_cell = index
                        break
                    result.ran.add(index)
        except DeadKernelError:
            pass  # the kernel died while being shut down: what ran is recorded
        except Exception as error:  # noqa: BLE001 - a kernel that cannot start is a row, not a crash
            if result.timed_out_cell is None and result.kernel_died_cell is None:
                result.failure = f"the notebook could not be run: {type(error).__name__}: {error}"
        finally:
            _kill(client, km)
    finally:
        result.seconds = time.monotonic() - start
        shutil.rmtree(scratch, ignore_errors=True)
    return result
