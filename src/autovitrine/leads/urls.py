from django.urls import path

from . import views, views_dealer

app_name = "leads"
urlpatterns = [
    # Public: send a lead from a vehicle or a dealer page
    path("nouvelle/", views.lead_create, name="create"),
    path("merci/", views.lead_thanks, name="thanks"),
    path("mes-demandes/", views.my_leads, name="mine"),
    # The dealer's own leads (staff only)
    path("concession/", views_dealer.lead_list, name="dealer_list"),
    path("concession/<int:lead_id>/", views_dealer.lead_detail, name="dealer_detail"),
    path(
        "concession/<int:lead_id>/<slug:action>/",
        views_dealer.lead_action,
        name="dealer_action",
    ),
    # The customer accepts a proposed test-drive slot by the signed link of the e-mail
    path("creneau/<str:token>/", views.slot_accept, name="slot_accept"),
]
