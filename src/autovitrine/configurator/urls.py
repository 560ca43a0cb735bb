from django.urls import path

from . import views

app_name = "configurator"
urlpatterns = [
    path("", views.model_list, name="model_list"),
    path("mes-configurations/", views.my_configurations, name="mine"),
    path("c/<str:code>/", views.saved_view, name="saved"),
    path("c/<str:code>/concession/", views.send_to_dealer, name="send_to_dealer"),
    path("<slug:model_code>/", views.configure, name="configure"),
    path("<slug:model_code>/enregistrer/", views.save, name="save"),
    path("<slug:model_code>/moins-chere/", views.cheapest, name="cheapest"),
]
