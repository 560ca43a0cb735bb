"""Payment pages: the simulated provider's hosted page."""

from django.urls import path

from . import views

app_name = "payments"
urlpatterns = [
    path("simulateur/<str:token>/", views.simulator, name="simulator"),
]
