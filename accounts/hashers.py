"""Password hashing at OWASP's Argon2id recommendation, sized for login throughput."""

from django.contrib.auth.hashers import Argon2PasswordHasher


class Argon2idPasswordHasher(Argon2PasswordHasher):
    """Argon2id with 19 MiB, 2 iterations, 1 lane: OWASP's Password Storage Cheat Sheet.

    Django's defaults (100 MiB, 8 lanes) cost several times more per login for no
    gain against offline attacks at this level; with one lane each web worker
    uses one core, so login capacity scales with the number of cores. Hashes
    with other parameters (or PBKDF2) are upgraded at the next login.
    """

    time_cost = 2
    memory_cost = 19 * 1024  # KiB
    parallelism = 1
