from django.apps import AppConfig


class ExpressionsConfig(AppConfig):
    name = "apps.expressions"
    label = "expressions"
