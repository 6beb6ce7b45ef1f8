# Helpline bot in a container (docs/operations.md, "Install"; deploy/compose.yaml runs it).
#
# Nothing secret is baked in: the token and the keyring passphrase arrive at run time as
# secrets (BOT_TOKEN_FILE, KEY_PASSPHRASE_FILE under /run/secrets), the database and the
# keyring live in two volumes, /data and /keys. The root filesystem can be mounted read-only.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# A fixed, unprivileged uid, so that volumes and secret files can be given to it on the host.
RUN groupadd --system --gid 10001 helpline \
    && useradd --system --uid 10001 --gid helpline --no-create-home \
       --home-dir /nonexistent --shell /usr/sbin/nologin helpline

# The source tree stays in /app: content/ and migrations/ are read from beside the package.
WORKDIR /app
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY handlers ./handlers
COPY content ./content
COPY migrations ./migrations
RUN python -m venv /opt/venv \
    && /opt/venv/bin/pip install --editable /app \
    && /opt/venv/bin/python -m compileall -q /app/bot /app/handlers

# Owned by the bot's user and 0700 before they become volumes: a new named volume copies both.
RUN mkdir -p /data /keys && chown helpline:helpline /data /keys && chmod 0700 /data /keys
VOLUME ["/data", "/keys"]

ENV PATH=/opt/venv/bin:$PATH \
    DATA_DIR=/data \
    KEYS_DIR=/keys

# The working directory stays /app (root-owned): a .env there would be read, and only the
# image's builder can put one there (.dockerignore keeps a developer's .env out).
USER 10001:10001

# `helpline-bot status` (no passphrase needed) exits non-zero when the bot is not healthy.
HEALTHCHECK --interval=1m --timeout=30s --start-period=2m --retries=3 \
    CMD ["helpline-bot", "status"]

STOPSIGNAL SIGTERM
ENTRYPOINT ["helpline-bot"]
CMD ["run"]
