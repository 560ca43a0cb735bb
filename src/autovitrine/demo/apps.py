from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Demo data on top of every app (``manage.py demo_data``); no app imports it."""

    name = "autovitrine.demo"
    label = "demo"
