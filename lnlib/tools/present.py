"""Present a notebook as an app, code hidden, sliders live: ``python -m lnlib present 03``.

Starts Voila on 127.0.0.1 and a free port, prints the address to open in a browser, and serves
until Ctrl-C, when it stops Voila and every kernel it started. ``python -m lnlib present`` lists the
notebooks; ``python -m lnlib present all`` serves the whole folder. The browser tests start and stop
Voila with the same functions.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from lnlib.support.paths import NOTEBOOKS, notebooks
from lnlib.support.ports import free_port


def find_notebook(name: str) -> Path:
    """The notebook whose number (``3``, ``03``) or file name is ``name``."""
    for path in notebooks():
        number = int(path.name.split("_")[0])
        if name in (path.name, path.stem) or (name.isdigit() and int(name) == number):
            return path
    names = ", ".join(path.name for path in notebooks())
    raise ValueError(f"no notebook {name!r}; the notebooks are: {names}")


def start_voila(target: Path, port: int | None = None, log=None, timeout: float = 60.0) -> tuple:
    """Start Voila serving ``target`` (a notebook, or the notebooks folder); ``(process, url)`` once it answers.

    Voila's own messages go to ``log`` (an open file), or to this terminal when it is None.
    """
    port = port or free_port()
    command = [
        sys.executable,
        "-m",
        "voila",
        str(target),
        "--no-browser",
        "--Voila.ip=127.0.0.1",
        f"--port={port}",
    ]
    process = subprocess.Popen(
        command, cwd=NOTEBOOKS, stdout=log, stderr=subprocess.STDOUT if log else None, start_new_session=True
    )
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(
                f"Voila exited with status {process.returncode} before it answered"
                + (f"; its messages are in {log.name}" if log else "")
            )
        try:
            urllib.request.urlopen(url + "voila/static/", timeout=2)
            return process, url
        except urllib.error.HTTPError:
            return process, url  # it answers, even if with an error code for that path
        except OSError:
            time.sleep(0.2)
    stop_voila(process)
    raise RuntimeError(f"Voila did not answer on {url} within {timeout:.0f} s")


def stop_voila(process: subprocess.Popen, timeout: float = 20.0) -> None:
    """Stop Voila by its PID: SIGTERM lets it shut its kernels down; SIGKILL to the group if it hangs."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def serve(name: str | None) -> int:
    """Serve notebook ``name`` (a number, a file name, or "all") until Ctrl-C; no name: list the notebooks."""
    if not name:
        print("Which notebook? python -m lnlib present NN   (or 'all' for the whole folder)\n")
        for path in notebooks():
            print(f"  {path.name.split('_')[0]}  {path.name}")
        return 0
    try:
        target = NOTEBOOKS if name == "all" else find_notebook(name)
    except ValueError as error:
        print(error, file=sys.stderr)
        return 2
    process, url = start_voila(target)
    print(f"Presenting {target.name}: open {url} in a browser. Ctrl-C stops it.", flush=True)
    try:
        while process.poll() is None:
            time.sleep(0.5)
    except KeyboardInterrupt:
        print("\nStopping Voila and its kernels ...")
    finally:
        stop_voila(process)
    return 0
