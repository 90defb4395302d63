from django.http import HttpRequest, HttpResponse
from django.urls import include, path

from convexhttp.adapters.django import urls
from examples.quickstart.http import http


def index(request: HttpRequest) -> HttpResponse:
    return HttpResponse(
        "A Django site; its HTTP actions live under /hooks/.\n", content_type="text/plain"
    )


urlpatterns = [
    path("", index),
    path("hooks/", include(urls(http))),
]
