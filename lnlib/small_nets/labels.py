"""The experiments' arms and norms as the reader sees them: the arms themselves stay cache keys (English)."""

from __future__ import annotations

from lnlib.support.language import gettext as _
from lnlib.support.language import gettext_noop as N_

NAMES = {
    "none": N_("none"),
    "batch": N_("batch"),
    "layer": N_("layer"),
    "rms": N_("rms"),
    "noisy batch": N_("noisy batch"),
    "very noisy batch": N_("very noisy batch"),
    "layer, 10 tokens": N_("layer, 10 tokens"),
}
GHOST_PREFIX = "batch, m = "
"""The arms of batch norm over groups of m examples: ``batch, m = 8``."""


def arm_label(arm: str) -> str:
    """An arm or norm of the small-net experiments as shown, in the current language ("batch, m = 8" in English)."""
    if arm.startswith(GHOST_PREFIX):
        return _("batch, m = {m}").format(m=arm[len(GHOST_PREFIX) :])
    return _(NAMES[arm]) if arm in NAMES else arm
