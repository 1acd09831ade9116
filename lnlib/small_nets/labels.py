"""The experiments' arms and norms as the reader sees them: the arms themselves stay cache keys (English).

A norm's name comes from the one description of each norm (:mod:`lnlib.support.norms`); only notebook 06's
own variants (noisy batch norm, batch norm over ghost batches, LN on shorter sequences) have labels here."""

from __future__ import annotations

from lnlib.support import norms
from lnlib.support.language import gettext as _

GHOST_PREFIX = "batch, m = "
"""The arms of batch norm over groups of m examples: ``batch, m = 8``."""


def _variants() -> dict:
    return {
        "noisy batch": _("noisy batch"),
        "very noisy batch": _("very noisy batch"),
        "layer, 10 tokens": _("layer, 10 tokens"),
    }


def arm_label(arm: str) -> str:
    """An arm or norm of the small-net experiments as shown, in the current language."""
    if arm.startswith(GHOST_PREFIX):
        return _("batch, m = {m}").format(m=arm[len(GHOST_PREFIX) :])
    if arm in norms.registered_keys():
        return norms.get(arm).abbreviation if arm != "none" else norms.name(arm)
    return _variants().get(arm, arm)


def arm_colour(arm: str) -> str:
    """An arm's colour: its norm's (:mod:`lnlib.support.norms`), the batch norm's for notebook 06's BN variants."""
    if arm in norms.registered_keys():
        return norms.colour(arm)
    if arm.startswith("layer"):
        return norms.colour("layer")
    return norms.colour("batch")
