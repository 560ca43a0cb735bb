from django.urls import path

from . import views

app_name = "community"
urlpatterns = [
    path("", views.campaign_list, name="campaigns"),
    path("profil/", views.profile, name="profile"),
    path("membres/<str:name>/", views.collaborator_page, name="collaborator"),
    path("notifications/", views.notifications, name="notifications"),
    path("moderation/", views.moderation_queue, name="moderation"),
    path("desabonnement/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("idees/<int:pk>/", views.idea_detail, name="idea"),
    path("idees/<int:pk>/vote/", views.idea_vote, name="vote"),
    path("idees/<int:pk>/suivre/", views.idea_follow, name="follow"),
    path("idees/<int:pk>/modifier/", views.idea_edit, name="edit"),
    path("idees/<int:pk>/lecture/", views.idea_read, name="read"),
    path("idees/<int:pk>/commentaires/", views.comment_create, name="comment"),
    path("idees/<int:pk>/signaler/", views.report, name="report"),
    path("idees/<int:pk>/statut/", views.idea_status, name="status"),
    path("idees/<int:pk>/fusionner/", views.idea_merge, name="merge"),
    path("idees/<int:pk>/lier/", views.idea_link, name="link"),
    path("idees/<int:pk>/masquer/", views.idea_hide, name="hide"),
    path("idees/<int:pk>/approuver/", views.idea_approve, name="approve"),
    path("commentaires/<int:pk>/soutien/", views.comment_upvote, name="upvote"),
    path("<slug:slug>/", views.campaign_detail, name="campaign"),
    path("<slug:slug>/rejoindre/", views.campaign_join, name="join"),
    path("<slug:slug>/idees/", views.idea_list, name="ideas"),
    path("<slug:slug>/proposer/", views.idea_new, name="new"),
    path("<slug:slug>/similaires/", views.idea_similar, name="similar"),
    path("<slug:slug>/feuille-de-route/", views.roadmap, name="roadmap"),
    path("<slug:slug>/tableau-de-bord/", views.dashboard, name="dashboard"),
]
