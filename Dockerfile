# One image for every process: web (HTTP + WebSockets), Celery worker and Celery beat.
FROM python:3.11-slim-bookworm AS base

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=mwork.settings

WORKDIR /app
RUN pip install --no-cache-dir uv
COPY requirements.txt .
RUN uv pip install --system --no-cache --compile-bytecode -r requirements.txt

COPY . .
# collectstatic needs settings that import cleanly without production secrets.
RUN DJANGO_DEBUG=1 python manage.py collectstatic --noinput \
    && useradd --system --uid 10001 mwork && mkdir -p /app/var && chown -R mwork /app/var
USER mwork

EXPOSE 8000
# Web: daphne serves /api, /admin and /ws. Override the command for worker and beat.
CMD ["daphne", "--bind", "0.0.0.0", "--port", "8000", "--proxy-headers", "mwork.asgi:application"]
