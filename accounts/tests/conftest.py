import pytest


@pytest.fixture(autouse=True)
def _roomy_auth_rate_limit(settings):
    """Flows here log in and refresh many times; the limit itself is tested in mwork/tests."""
    settings.RATELIMIT_AUTH = "1000/m"
