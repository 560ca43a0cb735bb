from django.urls import path

from . import views, views_dealer

app_name = "inventory"
urlpatterns = [
    # Public stock pages
    path("", views.search, name="search"),
    path("vehicule/<int:vehicle_id>/", views.vehicle, name="vehicle"),
    # The dealer's own stock (staff only, scoped to their dealer)
    path("concession/", views_dealer.stock_list, name="dealer_stock"),
    path("concession/ajouter/", views_dealer.vehicle_add, name="dealer_vehicle_add"),
    path("concession/<int:vehicle_id>/", views_dealer.vehicle_edit, name="dealer_vehicle_edit"),
    path(
        "concession/<int:vehicle_id>/statut/",
        views_dealer.vehicle_status,
        name="dealer_vehicle_status",
    ),
    path(
        "concession/<int:vehicle_id>/affichette/",
        views_dealer.vehicle_sticker,
        name="dealer_vehicle_sticker",
    ),
]
