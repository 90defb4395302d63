"""The Django host of the behaviour suite: a minimal project including the router at /hooks/."""

SECRET_KEY = "tests-only, not secret"
DEBUG = False
# "x": the Host that test_behaviour.raw_exchange sends (Django answers 400 to any other).
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
ROOT_URLCONF = "tests.apps.django_host.urls"
WSGI_APPLICATION = "tests.apps.django_host.wsgi.application"
APPEND_SLASH = True
INSTALLED_APPS: list[str] = []
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
]
USE_TZ = True
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {"convexhttp": {"handlers": ["console"], "level": "INFO"}},
}
