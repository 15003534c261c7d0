"""ASGI entry point: HTTP through Django, `/ws` through Channels (chat and notifications)."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mwork.settings")

django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter  # noqa: E402

from chat.routing import websocket_application  # noqa: E402
from mwork.api.bodylimit import BodyLimitASGIMiddleware  # noqa: E402
from mwork.api.middleware import redact_websocket_queries_in_server_logs  # noqa: E402

# No server process logs the credential in `/ws?token=` / `?ticket=` (docs/RELIABILITY.md,
# "No credential in a logged URL").
redact_websocket_queries_in_server_logs()

application = ProtocolTypeRouter(
    {
        # Bodies are bounded as they arrive: Django's handler would spool any size to disk.
        "http": BodyLimitASGIMiddleware(django_asgi_app),
        # `/ws`: allowed Origin (or none) → `?ticket=` or `?token=` → ChatConsumer (chat/routing.py)
        "websocket": websocket_application,
    }
)
