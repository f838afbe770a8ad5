"""Gunicorn settings for production (Dockerfile, bin/two-instances, bench/run).

Every value can be overridden on the command line or with ``GUNICORN_CMD_ARGS``.
"""

import multiprocessing
import os

wsgi_app = "cpms_portal.wsgi:application"
bind = os.environ.get("BIND", f"0.0.0.0:{os.environ.get('PORT', '8000')}")
# Sync workers: requests are short and CPU-bound (templates, Argon2), so two per core
# plus one keeps the cores busy while some workers wait on PostgreSQL or Redis.
# GUNICORN_WORKERS overrides (gunicorn's own WEB_CONCURRENCY must not be set empty).
workers = int(os.environ.get("GUNICORN_WORKERS") or multiprocessing.cpu_count() * 2 + 1)
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 20
keepalive = 5
# Recycle workers now and then so that a slow leak cannot grow without bound.
max_requests = 2000
max_requests_jitter = 200
# The portal logs one line per request itself (cpms.request, with the request id).
accesslog = None
errorlog = "-"
# X-Forwarded-* are trusted only from these addresses (the reverse proxy).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
