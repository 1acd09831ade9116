"""Reading a results cache, and comparing a re-run with it: one rule for every cache of the course.

Notebooks 04, 06 and 07 read experiments that take minutes from JSON files in ``data/``, made by
``python -m lnlib cache`` and committed. :func:`read` reads a file once per process; a test re-runs
a part of each cache and compares it with :func:`differences`, under one tolerance rule:

    two numbers agree when |a − b| ≤ 1e-5 · max(|a|, |b|) + 1e-9, and NaN agrees with NaN.

1e-5 because notebook 04's cache stores 6 significant digits, so a re-run value may round the other
way in the last digit; 1e-9 so that values at rounding noise around zero agree. Wall-clock times
(keys named in :data:`IGNORED_KEYS`) are never compared.

The rule holds on a machine like the one that made the cache. Another CPU (other vector units, so
other summation orders in torch and MKL) rounds each step differently, and training amplifies it:
measured between two machines, up to 2 % in a 150-step loss curve, 25 % in a learning-rate run at
its noisy top steps, and sign flips in gradient cosines near 0. So each cache records :func:`machine`,
and :func:`other_machine` says when a number-by-number comparison cannot hold.
"""

from __future__ import annotations

import functools
import json
import math
from pathlib import Path

RELATIVE_TOLERANCE = 1e-5
ABSOLUTE_TOLERANCE = 1e-9
IGNORED_KEYS = ("wall_time",)


def machine() -> dict:
    """What decides how a training run rounds: torch's version, the vector instructions its kernels use,
    and the CPU's model and vector extensions."""
    import torch

    model, flags = "unknown", set()
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text(encoding="utf-8", errors="replace").splitlines():
            key, _, value = line.partition(":")
            if key.strip() == "model name" and model == "unknown":
                model = value.strip()
            elif key.strip() in ("flags", "Features") and not flags:
                flags = set(value.split())
    return {
        "torch": torch.__version__,
        "cpu_capability": torch.backends.cpu.get_cpu_capability(),
        "cpu": model,
        "vector_extensions": sorted(flags & VECTOR_EXTENSIONS),
    }


VECTOR_EXTENSIONS = {
    "sse4_2",
    "avx",
    "avx2",
    "fma",
    "avx512f",
    "avx512_bf16",
    "avx_vnni",
    "amx_tile",
    "asimd",
    "sve",
}
"""The CPU features that change which kernels torch and MKL run, and so how they round."""


def other_machine(recorded: dict | None) -> str:
    """Why this machine cannot reproduce a cache made on ``recorded`` number by number ("" when it can)."""
    if not recorded:
        return "the cache does not say which machine made it"
    here = machine()
    changed = [
        f"{key} {recorded.get(key)!r} there, {here[key]!r} here"
        for key in here
        if recorded.get(key) != here[key]
    ]
    return "; ".join(changed)


def retrace_note(cached: list, live: list, recorded: dict | None, command: str) -> str:
    """The sentence a live-training app adds after re-running a configuration the cache holds."""
    import numpy as np

    from lnlib.support.language import gettext as _

    cached, live = np.asarray(cached, dtype=float), np.asarray(live, dtype=float)
    if cached.shape == live.shape and np.allclose(cached, live, rtol=RELATIVE_TOLERANCE, equal_nan=True):
        return " " + _("It retraced the cached run exactly.")
    elsewhere = other_machine(recorded)
    if elsewhere:
        return " " + _(
            "It differs a little from the cached run, which was made on another machine ({machines}): "
            "another CPU rounds each step differently, and training amplifies it."
        ).format(machines=elsewhere)
    return " " + _(
        "It differs from the cached run, on a machine like the one that made it: the code changed since, "
        "and `{command}` brings the cache up to date."
    ).format(command=command)


def read(path: Path, command: str) -> dict:
    """The JSON content of the cache file ``path``, read once per process and shared: never change it.

    A missing file raises a FileNotFoundError that names ``command``, the command that makes it.
    """
    return _read(Path(path).resolve(), command)


@functools.cache
def _read(path: Path, command: str) -> dict:
    if not path.exists():
        raise FileNotFoundError(f"{path} is missing: run `{command}` from the repository's folder to make it")
    return json.loads(path.read_text(encoding="utf-8"))


def write(path: Path, content: dict) -> None:
    """Write ``content`` to the cache file ``path`` as compact JSON (its folder made if need be), and
    :func:`forget` what was read, so that the next :func:`read` sees the new file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(content, separators=(",", ":")) + "\n", encoding="utf-8")
    forget()


def forget() -> None:
    """Forget every file read so far (after a cache is regenerated, the next :func:`read` reads it anew)."""
    _read.cache_clear()


def numbers_agree(a: float, b: float) -> bool:
    """The one tolerance rule (see the module's docstring)."""
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return math.isclose(a, b, rel_tol=RELATIVE_TOLERANCE, abs_tol=ABSOLUTE_TOLERANCE)


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def differences(stored, regenerated, where: str = "", numbers: bool = True) -> list:
    """Where two JSON-like results disagree, as readable lines (``[]``: they agree).

    Dicts must have the same keys, lists the same length; numbers agree by :func:`numbers_agree`
    (with ``numbers=False`` they are not compared: the shape of the results only, which is all that
    holds across machines); everything else must be equal.
    """
    found = []
    if isinstance(stored, dict) and isinstance(regenerated, dict):
        for key in sorted(set(stored) | set(regenerated), key=str):
            if key in IGNORED_KEYS:
                continue
            if key not in stored or key not in regenerated:
                side = "regenerated" if key in regenerated else "stored"
                found.append(f"{where}.{key}: only in the {side} results")
            else:
                found += differences(stored[key], regenerated[key], f"{where}.{key}", numbers)
    elif isinstance(stored, (list, tuple)) and isinstance(regenerated, (list, tuple)):
        if len(stored) != len(regenerated):
            found.append(f"{where}: {len(stored)} values stored, {len(regenerated)} regenerated")
        else:
            for index, (a, b) in enumerate(zip(stored, regenerated)):
                found += differences(a, b, f"{where}[{index}]", numbers)
    elif _is_number(stored) and _is_number(regenerated):
        if numbers and not numbers_agree(float(stored), float(regenerated)):
            found.append(f"{where}: stored {stored!r}, regenerated {regenerated!r}")
    elif stored != regenerated:
        found.append(f"{where}: stored {stored!r}, regenerated {regenerated!r}")
    return found
