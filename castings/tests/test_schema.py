import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

OPERATIONS = {
    ("/api/v1/castings", "get"): {"200", "400"},
    ("/api/v1/castings", "post"): {"201", "400", "401", "403"},
    ("/api/v1/castings/{casting_id}", "get"): {"200", "404"},
    ("/api/v1/castings/{casting_id}", "put"): {"200", "400", "401", "403", "404", "422"},
    ("/api/v1/castings/{casting_id}", "delete"): {"204", "401", "403", "404"},
    ("/api/v1/castings/{casting_id}/status", "patch"): {"200", "401", "403", "404", "422"},
    ("/api/v1/castings/my", "get"): {"200", "401", "403"},
    ("/api/v1/castings/saved", "get"): {"200", "401"},
    ("/api/v1/castings/{casting_id}/save", "post"): {"200", "201", "401", "404"},
    ("/api/v1/castings/{casting_id}/save", "delete"): {"204", "401", "404"},
    ("/api/v1/castings/{casting_id}/responses", "get"): {"200", "401", "403", "404"},
    ("/api/v1/castings/{casting_id}/responses", "post"): {
        "201",
        "400",
        "401",
        "403",
        "404",
        "409",
        "422",
    },
    ("/api/v1/responses/my", "get"): {"200", "401", "403"},
    ("/api/v1/responses/{response_id}/status", "patch"): {"200", "401", "403", "404", "422"},
    ("/api/v1/responses/{response_id}", "delete"): {"204", "401", "403", "404", "422"},
}


def test_every_castings_operation_is_documented_with_its_errors(api_client):
    schema = api_client.get(reverse("schema"), {"format": "json"}).json()

    for (path, method), codes in OPERATIONS.items():
        operation = schema["paths"][path][method]
        assert codes <= set(operation["responses"]), (path, method)
        assert operation["summary"]
