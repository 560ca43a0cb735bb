from django.urls import path

from . import views

app_name = "catalog"
urlpatterns = [
    path("", views.model_list, name="model_list"),
    path("<slug:code>/", views.model_detail, name="model_detail"),
]
