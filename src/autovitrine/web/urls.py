from django.urls import path

from . import views

app_name = "web"
urlpatterns = [
    path("", views.home, name="home"),
    path("lieux/suggestions/", views.place_suggestions, name="place_suggestions"),
]
