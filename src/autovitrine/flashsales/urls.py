"""Flash-sale pages under /ventes-flash/: the teaser and waiting room, holds, payment, dashboards."""

from django.urls import path

from . import views

app_name = "flashsales"
urlpatterns = [
    path("", views.sale_list, name="list"),
    path("siege/", views.office_sales, name="office_sales"),
    path("siege/nouvelle/", views.office_sale_create, name="office_sale_create"),
    path("siege/<slug:slug>/", views.office_sale, name="office_sale"),
    path("siege/<slug:slug>/file-attente/", views.office_queue, name="office_queue"),
    path("reservation/<uuid:ref>/", views.hold_page, name="hold"),
    path("reservation/<uuid:ref>/concession/", views.hold_dealer, name="hold_dealer"),
    path("reservation/<uuid:ref>/payer/", views.pay, name="pay"),
    path("commande/<str:reference>/", views.order, name="order"),
    path("<slug:slug>/", views.teaser, name="teaser"),
    path("<slug:slug>/file/defi/", views.join_challenge, name="challenge"),
    path("<slug:slug>/file/rejoindre/", views.join, name="join"),
    path("<slug:slug>/file/statut/", views.queue_status, name="status"),
    path("<slug:slug>/reserver/", views.claim, name="claim"),
    path("<slug:slug>/tableau-de-bord/", views.dashboard, name="dashboard"),
    path("<slug:slug>/tableau-de-bord/donnees/", views.dashboard_data, name="dashboard_data"),
]
