from django.urls import include, path

from convexhttp.adapters.django import urls
from tests.apps.behaviour.http import http

urlpatterns = [path("hooks/", include(urls(http)))]
