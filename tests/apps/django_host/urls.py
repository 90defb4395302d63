from django.http import HttpRequest, HttpResponse
from django.urls import include, path

from convexhttp.adapters.django import urls
from tests.apps.behaviour.http import http


def native(request: HttpRequest) -> HttpResponse:
    return HttpResponse("native", content_type="text/plain")


urlpatterns = [
    path("native/", native),
    path("hooks/", include(urls(http))),
]
