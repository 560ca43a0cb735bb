from django.urls import path

from . import views

app_name = "dealers"
urlpatterns = [
    # Public network pages
    path("", views.locator, name="locator"),
    path("<slug:code>/", views.dealer_detail, name="detail"),
    # The dealer's own space (« espace/… », staff only) is composed in web: see config.urls.
]
