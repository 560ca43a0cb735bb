"""Trade-in pages."""

from django.urls import path

from . import views

app_name = "tradein"
urlpatterns = [
    path("", views.estimate, name="estimate"),
]
