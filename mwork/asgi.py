"""ASGI entry point: HTTP through Django, `/ws` through Channels (chat and notifications)."""

import gc
import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mwork.settings")

django_asgi_app = get_asgi_application()

FULL_COLLECTION_AFTER = 1000  # young (generation 1) collections; Python's default is 10

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

# The garbage collector, in a process that holds a thousand sockets: the ~150,000 objects of
# the imports are frozen (never scanned again), and a full collection waits for a thousand
# young ones instead of ten. Measured on 2,000 sockets: full collections of 200,000-400,000
# objects paused the event loop 250-1,200 ms each, seven times in a minute while sockets
# connected, every socket's frames waiting behind them; after this, none in the same run
# (docs/PERFORMANCE.md, "Garbage collector pauses"). Young collections are unchanged, and
# cyclic garbage is still collected, only later.
gc.collect()
gc.freeze()
gc.set_threshold(gc.get_threshold()[0], gc.get_threshold()[1], FULL_COLLECTION_AFTER)
