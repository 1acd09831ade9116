"""Present a notebook as an app, code hidden, sliders live: ``python -m lnlib present 03``.

Starts Voila on 127.0.0.1 and a free port (and on no other: when another program takes it first, Voila
exits and a new free port is tried) with preheated kernels (Voila's own kernel pool: a kernel that has
already run the notebook waits for the first visitor, and a new one is heated a minute after it is
taken), prints the address to open in a browser and says when the notebook is ready, and serves until
Ctrl-C, when it stops Voila and every kernel it started, by PID; the kernel of a page closed or reloaded
meanwhile is shut down after ten idle minutes. ``python -m lnlib present`` lists the notebooks of both
editions; ``python -m lnlib present all`` serves the whole folder, both editions, one preheated kernel
per notebook of the edition asked for. ``--lang zh`` serves the Chinese edition (``notebooks/zh/``) and
speaks Chinese on the terminal. Every kernel speaks its notebook's language, which its folder says. The
browser tests start and stop Voila with the same functions, cold (no pool) unless they ask for the pool.
"""

from __future__ import annotations

import json
import math
import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

from lnlib.support.language import ENVIRONMENT_VARIABLE, LANGUAGES
from lnlib.support.language import gettext as _
from lnlib.support.paths import CHINESE_NOTEBOOKS, NOTEBOOKS, ROOT, notebooks
from lnlib.support.ports import free_port, in_use

TEMPLATES = Path(__file__).resolve().parent / "templates"
"""A Jupyter data folder holding the course's Voila template, ``lnlib`` (voila/templates/lnlib/): Voila's
lab template without RISE's speaker notes."""


EDITIONS = {"en": NOTEBOOKS, "zh": CHINESE_NOTEBOOKS}
"""Each language's folder of notebooks."""


def edition(language: str) -> Path:
    """The folder of ``language``'s notebooks; an unknown language is refused with the known ones."""
    if language not in EDITIONS:
        raise ValueError(f"unknown language {language!r}; the course speaks {', '.join(LANGUAGES)}")
    return EDITIONS[language]


def find_notebook(name: str, language: str = "en") -> Path:
    """The notebook of ``language``'s edition whose number (``3``, ``03``) or file name is ``name``."""
    folder = edition(language)
    for path in notebooks(language):
        number = int(path.name.split("_")[0])
        if name in (path.name, path.stem) or (name.isdigit() and int(name) == number):
            return path
    names = ", ".join(path.name for path in notebooks(language))
    raise ValueError(
        _("no notebook {name} in {folder}; the notebooks are: {names}").format(
            name=repr(name), folder=folder.relative_to(ROOT).as_posix() + "/", names=names
        )
    )


CLOSED_PAGE_KERNEL_SECONDS = 600.0
"""How long the kernel of a closed page lives on, idle, before Voila shuts it down."""

REFILL_DELAY_SECONDS = 60.0
"""How long Voila waits, after a page takes a heated kernel, before heating the next one for that notebook.

Voila's own default, one second, has the new kernel run its notebook on one of a laptop's few cores
while the lecturer opens the next notebook; under ``present all`` the refills of the notebooks opened
before pile up on the page being opened (``python -m lnlib bench interactive``). The price: a page of
the same notebook opened again within the minute waits for that minute's end."""

PORT_TRIES = 5
"""How many ports :func:`start_voila` tries when another program takes the free port it chose first."""


def kernel_pools(folder: Path, preheat: int, language: str) -> dict:
    """Voila's kernel pools when it serves ``folder``: ``preheat`` heated kernels for each notebook of
    ``language``'s edition under it, none for the others."""
    pools = {"default": {"pool_size": 0}}
    for path in notebooks(language):
        if path.is_relative_to(folder):
            # Voila names a notebook by its path under the folder it serves; the kernel is told its language
            pools[str(path.relative_to(folder))] = {
                "pool_size": preheat,
                "kernel_env_variables": {ENVIRONMENT_VARIABLE: language},
            }
    return pools


def voila_command(
    target: Path,
    port: int,
    preheat: int = 0,
    language: str = "en",
    forget_closed_after: float = CLOSED_PAGE_KERNEL_SECONDS,
    refill_delay: float = REFILL_DELAY_SECONDS,
) -> list:
    """The command line of a Voila serving ``target`` on ``port``, and on no other (see :func:`start_voila`)."""
    if preheat < 0:
        raise ValueError(f"preheat must be 0 (no kernel pool) or a number of kernels, not {preheat}")
    if forget_closed_after <= 0:
        raise ValueError(
            f"forget_closed_after must be a positive number of seconds, not {forget_closed_after}"
        )
    if refill_delay < 0:
        raise ValueError(f"refill_delay must be 0 or a positive number of seconds, not {refill_delay}")
    edition(language)  # refuses an unknown one
    command = [
        sys.executable,
        "-m",
        "voila",
        str(target),
        "--no-browser",
        "--Voila.ip=127.0.0.1",
        f"--port={port}",
        "--Voila.port_retries=0",  # exit when the port is taken, rather than move silently to another
        "--template=lnlib",
    ]
    if preheat:
        command += ["--preheat_kernel=True", f"--pool_size={preheat}"]
        if target.is_dir():
            pools = json.dumps(kernel_pools(target, preheat, language), ensure_ascii=False)
            command += [f"--VoilaKernelManager.kernel_pools_config={pools}"]
        command += [f"--VoilaKernelManager.fill_delay={refill_delay:g}"]
    command += [
        f"--MappingKernelManager.cull_idle_timeout={math.ceil(forget_closed_after)}",
        f"--MappingKernelManager.cull_interval={max(1, min(60, math.ceil(forget_closed_after / 2)))}",
    ]
    return command


class PortTaken(RuntimeError):
    """Voila exited because another program holds its port."""


def start_voila(
    target: Path,
    port: int | None = None,
    log=None,
    timeout: float = 60.0,
    preheat: int = 0,
    language: str = "en",
    forget_closed_after: float = CLOSED_PAGE_KERNEL_SECONDS,
    refill_delay: float = REFILL_DELAY_SECONDS,
) -> tuple:
    """Start Voila serving ``target`` (a notebook, or a folder of notebooks); ``(process, url)`` once it answers.

    Every kernel speaks the language of its notebook's folder (``notebooks/zh/``: Chinese), whatever
    ``LNLIB_LANG`` says in this process. ``preheat``: how many kernels Voila keeps heated for the notebook
    ``target``, or, when ``target`` is a folder, for each notebook of ``language``'s edition (0, the
    default: none; a kernel starts and runs the notebook when a page asks for it). ``refill_delay``: the
    seconds Voila waits after a page takes a heated kernel before heating the next. The course's template
    leaves out speaker notes. Voila's own messages go to ``log`` (an open file), or to this terminal when
    it is None.

    Voila is told to serve on ``port`` (None: a free one) and on no other; when another program takes
    that port first, Voila exits and a new free port is tried, up to ``PORT_TRIES`` ports in all.

    ``forget_closed_after``: seconds after which the kernel of a closed (or reloaded) page is shut down,
    once it is idle with no page connected. Voila keeps a page's kernel while its page is open, however
    long it sits idle, and keeps the heated pool, but without this a class's every reload would leave a
    kernel (and its memory) behind until Voila stops.
    """
    options = {
        "preheat": preheat,
        "language": language,
        "forget_closed_after": forget_closed_after,
        "refill_delay": refill_delay,
    }
    voila_command(target, 0, **options)  # refuses bad options before any Voila starts
    data_folders = [str(TEMPLATES), *filter(None, os.environ.get("JUPYTER_PATH", "").split(os.pathsep))]
    environment = {**os.environ, "JUPYTER_PATH": os.pathsep.join(data_folders)}
    environment.pop(ENVIRONMENT_VARIABLE, None)  # each kernel's folder says its language
    taken = []
    while len(taken) < PORT_TRIES:
        port = port or free_port()
        process = subprocess.Popen(
            voila_command(target, port, **options),
            cwd=NOTEBOOKS,
            env=environment,
            stdout=log,
            stderr=subprocess.STDOUT if log else None,
            start_new_session=True,
        )
        try:
            return process, _wait_until_serving(process, port, timeout, log)
        except PortTaken:
            taken.append(port)
            port = None
    raise RuntimeError(
        _("Voila found each of the ports {ports} taken by another program before it could listen").format(
            ports=", ".join(map(str, taken))
        )
    )


def _listens_on(pid: int, port: int) -> bool:
    """Whether process ``pid`` listens on TCP ``port``."""
    import psutil

    try:
        connections = psutil.Process(pid).net_connections("tcp")
    except psutil.NoSuchProcess:
        return False
    return any(c.status == psutil.CONN_LISTEN and c.laddr.port == port for c in connections)


def _wait_until_serving(process: subprocess.Popen, port: int, timeout: float, log) -> str:
    """Voila's url once ``process`` itself listens on ``port`` and answers there; ``PortTaken`` when it
    exits while another program holds the port."""
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            if in_use(port):
                raise PortTaken(port)
            raise RuntimeError(
                f"Voila exited with status {process.returncode} before it answered"
                + (f"; its messages are in {log.name}" if log else "")
            )
        if _listens_on(process.pid, port):  # not another program that took the port meanwhile
            try:
                urllib.request.urlopen(url + "voila/static/", timeout=2)
                return url
            except urllib.error.HTTPError:
                return url  # it answers, even if with an error code for that path
            except OSError:
                pass
        time.sleep(0.2)
    stop_voila(process)
    raise RuntimeError(f"Voila did not answer on {url} within {timeout:.0f} s")


def kernel_processes(voila_pid: int) -> list:
    """The kernels a Voila server started (its child processes running ipykernel), as psutil processes.

    Only Voila's own children: a kernel's forked workers carry the kernel's command line too. Kernels
    run in sessions of their own, so stopping Voila's process group would not reach them.
    """
    import psutil

    try:
        children = psutil.Process(voila_pid).children()
    except psutil.NoSuchProcess:
        return []
    kernels = []
    for child in children:
        try:
            if any("ipykernel" in part for part in child.cmdline()):
                kernels.append(child)
        except psutil.NoSuchProcess:
            continue
    return kernels


KERNEL_FILE = re.compile(r"kernel-([0-9a-f-]{36})\.json")


def kernel_states(voila_pid: int, url: str) -> list:
    """``(kernel id, execution state, seconds since its last message)`` of every kernel of the Voila at ``url``.

    Read from each kernel's model in Voila's kernel API; the id is in the kernel's connection-file name.
    """
    states = []
    for kernel in kernel_processes(voila_pid):
        try:
            found = KERNEL_FILE.search(" ".join(kernel.cmdline()))
        except Exception:  # the kernel ended meanwhile
            continue
        if not found:
            continue
        try:
            with urllib.request.urlopen(f"{url}api/kernels/{found.group(1)}", timeout=5) as answer:
                model = json.load(answer)
        except OSError:  # not registered yet, or shut down meanwhile
            continue
        last = datetime.fromisoformat(model["last_activity"].replace("Z", "+00:00"))
        quiet = (datetime.now(UTC) - last).total_seconds()
        states.append((model["id"], model["execution_state"], quiet))
    return states


def wait_until_preheated(
    process: subprocess.Popen, url: str, kernels: int, quiet: float = 2.0, timeout: float = 600.0
) -> float:
    """Wait until ``kernels`` kernels of Voila have run their notebook: each idle, no message for
    ``quiet`` seconds. The seconds waited."""
    start = time.monotonic()
    states = []
    while time.monotonic() - start < timeout:
        if process.poll() is not None:
            raise RuntimeError(f"Voila exited with status {process.returncode} while preheating")
        states = kernel_states(process.pid, url)
        if len(states) >= kernels and all(state == "idle" and since >= quiet for _, state, since in states):
            return time.monotonic() - start
        time.sleep(0.5)
    raise RuntimeError(
        f"Voila's {kernels} preheated kernel(s) were not ready within {timeout:.0f} s; "
        f"seen: {[(state, round(since, 1)) for _, state, since in states]}"
    )


def stop_voila(process: subprocess.Popen, timeout: float = 20.0) -> None:
    """Stop Voila and every kernel it started, by PID.

    SIGTERM lets Voila shut its kernels (the pool's too) down; SIGKILL to its group if it hangs, and to
    any kernel that outlived it (kernels run in sessions of their own).
    """
    import psutil

    kernels = kernel_processes(process.pid)
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    _, alive = psutil.wait_procs(kernels, timeout=timeout)
    for kernel in alive:
        kernel.kill()
    psutil.wait_procs(alive, timeout=timeout)


def list_notebooks() -> str:
    """What ``python -m lnlib present`` prints: how to choose, and the notebooks of both editions."""
    lines = [_("Which notebook? python -m lnlib present NN [--lang zh]   (or 'all' for the whole folder)")]
    for language, folder in EDITIONS.items():
        option = "" if language == "en" else f"   (--lang {language})"
        lines.append(f"\n{LANGUAGES[language]}: {folder.relative_to(ROOT).as_posix()}/{option}")
        found = notebooks(language)
        lines += [f"  {path.name.split('_')[0]}  {path.name}" for path in found] or [_("  (none yet)")]
    return "\n".join(lines)


def start_present(
    name: str, language: str = "en", preheat: int = 1, log=None, refill_delay: float = REFILL_DELAY_SECONDS
) -> tuple:
    """Start the Voila of ``python -m lnlib present NAME --lang LANGUAGE``: ``(process, url, page, heated)``.

    ``name``: a notebook of ``language``'s edition (its number or file name), or "all": the notebooks
    folder, both editions, each in its own language, with kernels heated for ``language``'s notebooks.
    ``page``: the address to open (for "all", ``language``'s folder); ``heated``: how many kernels must
    be heated before the pages are ready (see :func:`wait_until_preheated`).
    """
    if name == "all":
        process, url = start_voila(
            NOTEBOOKS, log=log, preheat=preheat, language=language, refill_delay=refill_delay
        )
        folder = edition(language).relative_to(NOTEBOOKS).as_posix()
        page = url if folder == "." else f"{url}voila/tree/{folder}"
        return process, url, page, preheat * len(notebooks(language))
    notebook = find_notebook(name, language)
    process, url = start_voila(
        notebook, log=log, preheat=preheat, language=language, refill_delay=refill_delay
    )
    return process, url, url, preheat


def serve(name: str | None, preheat: int = 1, language: str = "en") -> int:
    """Serve notebook ``name`` (a number, a file name, or "all") of ``language``'s edition until Ctrl-C;
    no name: list the notebooks of both editions.

    ``preheat`` kernels wait heated for each notebook of the edition (0: none). The messages are in the
    language of this process (``python -m lnlib present --lang zh`` chooses Chinese for both).
    """
    edition(language)  # refuses an unknown one
    if not name:
        print(list_notebooks())
        return 0
    try:
        process, url, page, heated = start_present(name, language, preheat)
    except ValueError as error:
        print(error, file=sys.stderr)
        return 2
    try:
        shown = _("the whole course (both editions)") if name == "all" else find_notebook(name, language).name
        print(
            _("Presenting {name}: open {url} in a browser. Ctrl-C stops it.").format(name=shown, url=page),
            flush=True,
        )
        if heated:
            print(
                _("Heating {count} kernel(s): each runs its notebook before anyone asks ...").format(
                    count=heated
                ),
                flush=True,
            )
            seconds = wait_until_preheated(process, url, heated)
            print(
                _("Ready after {seconds:.0f} s: a page opened now is interactive at once.").format(
                    seconds=seconds
                ),
                flush=True,
            )
        while process.poll() is None:
            time.sleep(0.5)
    except KeyboardInterrupt:
        print("\n" + _("Stopping Voila and its kernels ..."))
    finally:
        stop_voila(process)
    return 0
