"""The course's tools, each a command of ``python -m lnlib``: ``present`` (Voila), ``reading-copy``,
``bench`` and ``strip``. They hold no course content and no apps."""
