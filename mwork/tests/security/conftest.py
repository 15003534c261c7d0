from mwork.tests.security.fixtures import (  # noqa: F401 - fixtures
    client_for,
    files_in,
    media_root,
    no_ratelimit,
    outbound_guard,
    world,
)
