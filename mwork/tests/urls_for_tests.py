"""A test-only URLconf: the whole project plus views that fail on purpose."""

from django.db import connection
from django.urls import path
from rest_framework.permissions import AllowAny
from rest_framework.views import APIView

from mwork.api.pagination import Page
from mwork.api.permissions import IsEmployer
from mwork.api.responses import ok
from mwork.urls import handler400, handler403, handler404, handler500, urlpatterns  # noqa: F401

LEAKY_MESSAGE = "SELECT password FROM accounts_user WHERE email = 'secret@example.kz'"


class ExplodingView(APIView):
    permission_classes = [AllowAny]

    def get(self, request):
        raise RuntimeError(LEAKY_MESSAGE)


class BrokenSqlView(APIView):
    permission_classes = [AllowAny]

    def get(self, request):
        with connection.cursor() as cursor:
            cursor.execute("SELECT secret_column FROM table_that_does_not_exist")
        return ok({})


def plain_django_view_that_explodes(request):
    raise RuntimeError(LEAKY_MESSAGE)


class EmployerOnlyView(APIView):
    permission_classes = [IsEmployer]

    def get(self, request):
        return ok({"secret": "for employers"})


class PagedView(APIView):
    permission_classes = [AllowAny]

    def get(self, request):
        page = Page.from_request(request)
        return ok(page.body("items", [], 0))


urlpatterns = [
    path("api/v1/test/explode", ExplodingView.as_view()),
    path("api/v1/test/broken-sql", BrokenSqlView.as_view()),
    path("api/v1/test/plain-explode", plain_django_view_that_explodes),
    path("api/v1/test/employers-only", EmployerOnlyView.as_view()),
    path("api/v1/test/paged", PagedView.as_view()),
    *urlpatterns,
]
