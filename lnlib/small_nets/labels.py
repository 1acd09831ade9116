"""The experiments' arms and norms as the reader sees them: the arms themselves stay cache keys (English)."""

from __future__ import annotations

from lnlib.support.language import gettext as _
from lnlib.support.language import pgettext


def _names() -> dict:
    """Arm → its label in the current language; the norms' names in the context "norm" ("batch" is BN there,
    and "none" means no norm)."""
    return {
        "none": pgettext("norm", "none"),
        "batch": pgettext("norm", "batch"),
        "layer": pgettext("norm", "layer"),
        "rms": pgettext("norm", "rms"),
        "noisy batch": _("noisy batch"),
        "very noisy batch": _("very noisy batch"),
        "layer, 10 tokens": _("layer, 10 tokens"),
    }


GHOST_PREFIX = "batch, m = "
"""The arms of batch norm over groups of m examples: ``batch, m = 8``."""


def arm_label(arm: str) -> str:
    """An arm or norm of the small-net experiments as shown, in the current language ("batch, m = 8" in English)."""
    if arm.startswith(GHOST_PREFIX):
        return _("batch, m = {m}").format(m=arm[len(GHOST_PREFIX) :])
    return _names().get(arm, arm)
