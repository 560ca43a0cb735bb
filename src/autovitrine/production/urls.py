from django.urls import path

from . import views

app_name = "production"
urlpatterns = [
    path("commandes/<str:number>/suivi/", views.timeline, name="timeline"),
    path("commandes/<str:number>/suivi/direct/", views.stream, name="stream"),
    path("concessions/espace/arrivages/", views.dealer_incoming, name="dealer_incoming"),
]
