# One image for every process: web (HTTP + WebSockets), Celery worker and Celery beat.
FROM python:3.11-slim-bookworm AS base

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=mwork.settings \
    DJANGO_DEBUG=0

WORKDIR /app
RUN pip install --no-cache-dir uv
COPY requirements.txt .
RUN uv pip install --system --no-cache --compile-bytecode -r requirements.txt

COPY . .
# collectstatic and compilemessages (locale/*.po → .mo, pure Python) need settings that
# import cleanly without production secrets.
RUN DJANGO_DEBUG=1 python manage.py collectstatic --noinput \
    && DJANGO_DEBUG=1 python manage.py compilemessages \
    && useradd --system --uid 10001 mwork && mkdir -p /app/var && chown -R mwork /app/var
USER mwork

EXPOSE 8000 8001
# Web (/api, /admin): gunicorn gthread workers (WSGI). WSGI serves our sync DRF views 1.5-2.7x
# faster than ASGI servers; gthread ties sync workers and keeps serving while uploads wait on R2
# (docs/PERFORMANCE.md, "Serving"): WEB_CONCURRENCY workers (cores + 1) x 4 threads.
# WebSockets (/ws) run from the same image with the `ws` command of docker-compose.yml
# (uvicorn, ASGI, DB_POOL=1); nginx (deploy/nginx.conf) puts both behind one address.
# Override the command for worker and beat.
ENV WEB_CONCURRENCY=3
CMD ["gunicorn", "mwork.wsgi:application", "--bind", "0.0.0.0:8000", "--worker-class", "gthread", \
     "--threads", "4", "--max-requests", "5000", "--max-requests-jitter", "500", "--timeout", "30", \
     "--keep-alive", "75", "--forwarded-allow-ips", "*"]
