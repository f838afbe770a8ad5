# The portal under gunicorn: python:3.12-slim, two stages, runs as a non-root user.
# Build: docker build -t cpms-portal .   Run: docker compose up (see README).

FROM python:3.12-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PYTHONDONTWRITEBYTECODE=1
RUN apt-get update \
 && apt-get install -y --no-install-recommends gettext \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY pyproject.toml constraints.txt README.md ./
COPY cpms_portal cpms_portal
COPY accounts accounts
COPY access_requests access_requests
COPY preferences preferences
RUN python -m venv /venv && /venv/bin/pip install -c constraints.txt . && rm -rf build *.egg-info
# The rest of the tree (.dockerignore leaves out tests, benchmarks, .git, .env).
COPY . .
# Translations (compiled here, *.mo are not in git) and the hashed, compressed static files.
RUN mkdir -p locale \
 && /venv/bin/python manage.py compilemessages \
 && PRODUCTION=true SECRET_KEY=build-only-not-a-secret ALLOWED_HOSTS=build \
    /venv/bin/python manage.py collectstatic --no-input -v0

FROM python:3.12-slim
ENV PATH=/venv/bin:$PATH \
    PYTHONPATH=/app \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PRODUCTION=true \
    PORT=8000
RUN useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin cpms
COPY --from=build /venv /venv
# Owned by root and read-only for the portal's user: the code cannot be changed at run time.
COPY --from=build /app /app
WORKDIR /app
USER cpms
EXPOSE 8000
# /app comes first on the path (PYTHONPATH); `pip install .` brought the dependencies.
# Migrations and reference data run in docker-compose.yml's one-shot "migrate" service.
CMD ["gunicorn", "--config", "gunicorn.conf.py"]
