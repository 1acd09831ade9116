"""What every part of the course shares: the repository's paths, torch's threads and determinism, free
ports, and the results caches' reading and comparison. One place each; nothing here knows a notebook."""
