from django.urls import path

from . import views, views_space

app_name = "dealers"
urlpatterns = [
    # Public network pages
    path("", views.locator, name="locator"),
    path("<slug:code>/", views.dealer_detail, name="detail"),
    # The dealer's own space (staff only)
    path("espace/tableau-de-bord/", views_space.dashboard, name="dashboard"),
]
