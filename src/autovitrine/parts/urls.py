from django.urls import path

from . import views

app_name = "parts"
urlpatterns = [
    path("", views.search, name="search"),
    path("mes-reservations/", views.mine, name="mine"),
    path("concession/reservations/", views.counter_reservations, name="counter"),
    path("concession/etiquettes.pdf", views.label_sheet, name="labels"),
    path("<slug:dealer_code>/<str:reference>/", views.part_at_dealer, name="at_dealer"),
]
