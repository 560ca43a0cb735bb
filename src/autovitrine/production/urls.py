from django.urls import path

from . import views

app_name = "production"
urlpatterns = [
    path("commandes/<str:number>/suivi/", views.timeline, name="timeline"),
    path("commandes/<str:number>/suivi/direct/", views.stream, name="stream"),
    path("commandes/<str:number>/suivi/alertes/", views.timeline_alerts, name="timeline_alerts"),
    path("suivi/push/abonnement/", views.push_subscribe, name="push_subscribe"),
    path("suivi/photos/<str:token>/", views.station_photo, name="station_photo"),
    path("commandes/<str:number>/remise/", views.handover, name="handover"),
    path("commandes/<str:number>/remise/reserver/", views.handover_book, name="handover_book"),
    path("commandes/<str:number>/remise/documents/", views.handover_upload, name="handover_upload"),
    path(
        "remise/documents/<int:document_id>/",
        views.handover_document,
        name="handover_document",
    ),
    path("siege/production/", views.office, name="office"),
    path("concessions/espace/arrivages/", views.dealer_incoming, name="dealer_incoming"),
    path("concessions/espace/remises/", views.dealer_handovers, name="dealer_handovers"),
    path(
        "concessions/espace/remises/capacite/",
        views.dealer_handover_capacity,
        name="dealer_handover_capacity",
    ),
    path(
        "concessions/espace/remises/<str:number>/",
        views.dealer_handover,
        name="dealer_handover",
    ),
    path(
        "concessions/espace/remises/<str:number>/<slug:action>/",
        views.dealer_handover_action,
        name="dealer_handover_action",
    ),
]
