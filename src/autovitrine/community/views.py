"""Community pages: parse, check who may, call a service, render. French messages, no 500."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from autovitrine.core.clientip import client_ip, rate_limit_address
from autovitrine.core.ratelimit import code_lookup_missed, over_limit, wait_message

from . import selectors, services
from .forms import (
    CommentForm,
    HideForm,
    IdeaEditForm,
    IdeaForm,
    JoinForm,
    LinkForm,
    ListFilterForm,
    MergeForm,
    ProfileForm,
    ReportForm,
    StatusForm,
)
from .models import Campaign, Collaborator, Comment, Idea


def _message(exc: ValidationError) -> str:
    return " ".join(str(m) for m in exc.messages)


def _status_of(exc: ValidationError) -> int:
    return 429 if getattr(exc, "code", None) == "rate_limited" else 400


def collaborator_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Signed in, with a public profile (created first if missing); the view gets it."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        collaborator = selectors.collaborator_of(request.user)
        if collaborator is None:
            messages.info(request, _("Choisissez d'abord votre nom public."))
            return redirect(f"{reverse('community:profile')}?next={request.get_full_path()}")
        return view(request, *args, collaborator=collaborator, **kwargs)

    return wrapper


def moderator_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not selectors.can_moderate(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def _safe_next(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    return target if target.startswith("/") and not target.startswith("//") else default


# --- Collaborators and campaigns ---------------------------------------------------------------
@require_GET
def campaign_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "community/campaign_list.html",
        {"campaigns": selectors.campaigns_visible(), **_chrome(request)},
    )


def _chrome(request: HttpRequest) -> dict[str, Any]:
    collaborator = selectors.collaborator_of(request.user)
    return {
        "collaborator": collaborator,
        "unread": selectors.unread_count(collaborator),
        "moderator": selectors.can_moderate(request.user),
    }


@login_required
@require_http_methods(["GET", "POST"])
def profile(request: HttpRequest) -> HttpResponse:
    collaborator = selectors.collaborator_of(request.user)
    initial = (
        {
            "public_name": collaborator.public_name,
            "bio": collaborator.bio,
            "digest": collaborator.digest,
        }
        if collaborator
        else {"digest": Collaborator.Digest.WEEKLY}
    )
    form = ProfileForm(request.POST or None, request.FILES or None, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.collaborator_save(
                    user=request.user,
                    public_name=form.cleaned_data["public_name"],
                    bio=form.cleaned_data["bio"],
                    avatar=request.FILES.get("avatar"),
                    digest=form.cleaned_data["digest"],
                )
            except ValidationError as exc:
                form.add_error(None, _message(exc))
            else:
                messages.success(request, _("Profil enregistré."))
                return redirect(_safe_next(request, reverse("community:campaigns")))
        status = 400
    return render(
        request,
        "community/profile.html",
        {"form": form, "next": _safe_next(request, ""), **_chrome(request)},
        status=status,
    )


def collaborator_page(request: HttpRequest, name: str) -> HttpResponse:
    person = get_object_or_404(Collaborator, public_name=name)
    ideas = selectors.ideas_list(sort="new").filter(author=person)[:20]
    return render(
        request,
        "community/collaborator.html",
        {"person": person, "ideas": ideas, **_chrome(request)},
    )


@require_GET
def campaign_detail(request: HttpRequest, slug: str) -> HttpResponse:
    campaign = get_object_or_404(Campaign.objects.select_related("car_model"), slug=slug)
    chrome = _chrome(request)
    best = list(selectors.ideas_list(campaign=campaign, sort="top")[:5])
    return render(
        request,
        "community/campaign_detail.html",
        {
            "campaign": campaign,
            "counts": selectors.campaign_counts(campaign),
            "best": best,
            "member": selectors.is_member(campaign=campaign, collaborator=chrome["collaborator"]),
            "join_form": JoinForm(),
            **chrome,
        },
    )


@require_POST
@collaborator_required
def campaign_join(request: HttpRequest, slug: str, *, collaborator: Collaborator) -> HttpResponse:
    campaign = get_object_or_404(Campaign, slug=slug)
    form = JoinForm(request.POST)
    try:
        services.campaign_join(
            campaign=campaign,
            collaborator=collaborator,
            accept_terms=form.is_valid() and form.cleaned_data["accept_terms"],
            accept_licence=form.is_valid() and form.cleaned_data["accept_licence"],
        )
    except ValidationError as exc:
        messages.error(request, _message(exc))
        return redirect("community:campaign", slug=slug)
    messages.success(request, _("Bienvenue dans la campagne !"))
    return redirect(_safe_next(request, reverse("community:campaign", kwargs={"slug": slug})))


@require_GET
def idea_list(request: HttpRequest, slug: str) -> HttpResponse:
    campaign = get_object_or_404(Campaign, slug=slug)
    filters = ListFilterForm(request.GET or None)
    data = filters.cleaned_data if filters.is_valid() else {}
    sort = data.get("sort") or "trending"
    if request.GET.get("sort") == "owners" and selectors.can_moderate(request.user):
        sort = "owners"  # "what owners want": head office and moderators
    ideas = selectors.ideas_list(
        campaign=campaign,
        sort=sort,
        category=data.get("category") or "",
        status=data.get("status") or "",
        by_owners=bool(data.get("owners")),
        tag=(request.GET.get("tag") or "")[:30],
    )
    page = selectors.ideas_page(ideas, request.GET.get("page"))
    chrome = _chrome(request)
    return render(
        request,
        "community/idea_list.html",
        {
            "campaign": campaign,
            "page": page,
            "filters": filters,
            "sort": sort,
            "voted": selectors.voted_ids(chrome["collaborator"], [i.pk for i in page]),
            "query": request.GET.copy(),
            **chrome,
        },
    )


@require_http_methods(["GET", "POST"])
@collaborator_required
def idea_new(request: HttpRequest, slug: str, *, collaborator: Collaborator) -> HttpResponse:
    campaign = get_object_or_404(Campaign, slug=slug)
    if not selectors.is_member(campaign=campaign, collaborator=collaborator):
        messages.info(request, _("Rejoignez la campagne pour proposer une idée."))
        return redirect("community:campaign", slug=slug)
    form = IdeaForm(request.POST or None, request.FILES or None, campaign=campaign)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                idea = services.idea_create(
                    campaign=campaign,
                    author=collaborator,
                    title=form.cleaned_data["title"],
                    body=form.cleaned_data["body"],
                    category=form.cleaned_data["category"],
                    tags=form.tag_list(),
                    images=request.FILES.getlist("images")[:5],
                )
            except ValidationError as exc:
                form.add_error(None, _message(exc))
                status = _status_of(exc)
            else:
                if idea.status == Idea.Status.PENDING:
                    messages.info(request, _("Merci ! Votre idée sera publiée après relecture."))
                else:
                    messages.success(request, _("Votre idée est publiée."))
                return redirect("community:idea", pk=idea.pk)
    return render(
        request,
        "community/idea_new.html",
        {"campaign": campaign, "form": form, **_chrome(request)},
        status=status,
    )


@require_GET
def idea_similar(request: HttpRequest, slug: str) -> HttpResponse:
    campaign = get_object_or_404(Campaign, slug=slug)
    title = request.GET.get("title", "")
    if over_limit(
        f"community:similar:{rate_limit_address(request) or 'unknown'}",
        limit=120,
        window_seconds=60,
    ):
        # A fragment the form swaps in (``data-swap-429``, web/site.js): it says how long to
        # wait; ``Retry-After`` comes from core.security_headers.
        message = wait_message(_("Trop de recherches d'idées proches"))
        return render(
            request,
            "community/_similar.html",
            {"ideas": [], "campaign": campaign, "refused": message},
            status=429,
        )
    ideas = (
        selectors.similar_ideas(campaign=campaign, title=title) if len(title.strip()) >= 3 else []
    )
    return render(request, "community/_similar.html", {"ideas": ideas, "campaign": campaign})


@require_GET
def roadmap(request: HttpRequest, slug: str) -> HttpResponse:
    campaign = get_object_or_404(Campaign, slug=slug)
    return render(
        request,
        "community/roadmap.html",
        {"campaign": campaign, "columns": selectors.roadmap(campaign), **_chrome(request)},
    )


@require_GET
def dashboard(request: HttpRequest, slug: str) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not getattr(request.user, "is_head_office", False):
        raise PermissionDenied
    campaign = get_object_or_404(Campaign, slug=slug)
    days = selectors.campaign_attention(campaign)
    return render(
        request,
        "community/dashboard.html",
        {
            "campaign": campaign,
            "counts": selectors.campaign_counts(campaign),
            "days": days,
            "peak": selectors.attention_peak(days),
            "owners_want": selectors.ideas_list(campaign=campaign, sort="owners")[:10],
            **_chrome(request),
        },
    )


# --- Ideas -------------------------------------------------------------------------------------
def _visible_to(idea: Idea, request: HttpRequest, collaborator: Collaborator | None) -> bool:
    if not (idea.hidden or idea.status == Idea.Status.PENDING):
        return True
    own = collaborator is not None and idea.author_id == collaborator.pk
    return own or selectors.can_moderate(request.user)


@require_GET
def idea_detail(request: HttpRequest, pk: int) -> HttpResponse:
    idea = selectors.idea_detail(pk)
    if idea is None:
        raise Http404
    if idea.status == Idea.Status.MERGED and idea.merged_into_id:
        return HttpResponseRedirect(reverse("community:idea", kwargs={"pk": idea.merged_into_id}))
    chrome = _chrome(request)
    collaborator = chrome["collaborator"]
    if not _visible_to(idea, request, collaborator):
        raise Http404
    moderator = chrome["moderator"]
    comments = selectors.idea_comments(idea, moderator=moderator)
    authors = [c.author for c in comments] + [r.author for c in comments for r in c.replies.all()]
    voted = collaborator is not None and bool(selectors.voted_ids(collaborator, [idea.pk]))
    following = collaborator is not None and idea.follows.filter(collaborator=collaborator).exists()
    services.idea_view_record(idea_id=idea.pk, reader_key=_reader_key(request, idea.pk))
    attention_days = selectors.idea_attention_by_day(idea) if moderator else []
    return render(
        request,
        "community/idea_detail.html",
        {
            "idea": idea,
            "campaign": idea.campaign,
            "comments": comments,
            "badges": selectors.author_badges(authors + [idea.author], idea.campaign),
            "split": selectors.vote_split(idea),
            "voted": voted,
            "following": following,
            "can_edit": collaborator is not None and idea.author_id == collaborator.pk or moderator,
            "member": selectors.is_member(campaign=idea.campaign, collaborator=collaborator),
            "comment_form": CommentForm(),
            "status_form": StatusForm(initial={"status": idea.status, "answer": idea.answer}),
            "merge_form": MergeForm(),
            "link_form": LinkForm(
                initial={"model_code": getattr(idea.campaign.car_model, "code", "")}
            ),
            "report_form": ReportForm(),
            "hide_form": HideForm(),
            "revisions": idea.revisions.all()[:10],
            "attention": selectors.idea_attention(idea) if moderator else None,
            "attention_days": attention_days,
            "attention_peak": selectors.attention_peak(attention_days),
            **chrome,
        },
    )


def _reader_key(request: HttpRequest, idea_id: int) -> str:
    return selectors.reader_key(
        client_ip=client_ip(request) or "",
        user_agent=request.headers.get("User-Agent", ""),
        idea_id=idea_id,
    )


@require_POST
def idea_read(request: HttpRequest, pk: int) -> HttpResponse:
    """Engaged seconds sent by the page (visible tab, recent interaction), at most 60 a beat."""
    idea = get_object_or_404(Idea, pk=pk)
    try:
        seconds = int(request.POST.get("seconds", "0"))
    except ValueError:
        return HttpResponse(status=400)
    key = _reader_key(request, idea.pk)
    if over_limit(f"community:read:{key}", limit=60, window_seconds=3600):
        return HttpResponse(status=429)
    services.idea_view_record(idea_id=idea.pk, reader_key=key, engaged_seconds=seconds)
    return HttpResponse(status=204)


@require_POST
@collaborator_required
def idea_vote(request: HttpRequest, pk: int, *, collaborator: Collaborator) -> HttpResponse:
    withdraw = request.POST.get("action") == "unvote"
    try:
        outcome = services.idea_cast(idea_id=pk, voter=collaborator, withdraw=withdraw)
    except Idea.DoesNotExist:
        raise Http404 from None
    except ValidationError as exc:
        if request.htmx:  # type: ignore[attr-defined]
            return HttpResponse(_message(exc), status=_status_of(exc))
        messages.error(request, _message(exc))
        return redirect(_safe_next(request, reverse("community:idea", kwargs={"pk": pk})))
    if request.htmx:  # type: ignore[attr-defined]
        idea = {"pk": pk, "vote_count": outcome.vote_count}
        return render(
            request, "community/_vote.html", {"idea": idea, "voted": not withdraw, "member": True}
        )
    return redirect(_safe_next(request, reverse("community:idea", kwargs={"pk": pk})))


@require_POST
@collaborator_required
def idea_follow(request: HttpRequest, pk: int, *, collaborator: Collaborator) -> HttpResponse:
    idea = get_object_or_404(Idea, pk=pk)
    services.idea_follow(
        idea=idea, collaborator=collaborator, follow=request.POST.get("action") != "unfollow"
    )
    return redirect("community:idea", pk=pk)


@require_http_methods(["GET", "POST"])
@collaborator_required
def idea_edit(request: HttpRequest, pk: int, *, collaborator: Collaborator) -> HttpResponse:
    idea = get_object_or_404(Idea, pk=pk)
    if idea.author_id != collaborator.pk and not selectors.can_moderate(request.user):
        raise PermissionDenied
    form = IdeaEditForm(request.POST or None, initial={"title": idea.title, "body": idea.body})
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.idea_edit(
                    idea=idea,
                    by=request.user,
                    title=form.cleaned_data["title"],
                    body=form.cleaned_data["body"],
                    note=form.cleaned_data["note"],
                )
            except ValidationError as exc:
                form.add_error(None, _message(exc))
            else:
                messages.success(request, _("Idée modifiée."))
                return redirect("community:idea", pk=pk)
    return render(
        request,
        "community/idea_edit.html",
        {"idea": idea, "form": form, "campaign": idea.campaign, **_chrome(request)},
        status=status,
    )


@require_POST
@collaborator_required
def comment_create(request: HttpRequest, pk: int, *, collaborator: Collaborator) -> HttpResponse:
    idea = get_object_or_404(Idea, pk=pk)
    form = CommentForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Écrivez votre commentaire."))
        return redirect("community:idea", pk=pk)
    parent = None
    if form.cleaned_data.get("parent"):
        parent = Comment.objects.filter(pk=form.cleaned_data["parent"], idea=idea).first()
        if parent is None:
            messages.error(request, _("Ce commentaire n'existe plus."))
            return redirect("community:idea", pk=pk)
    try:
        comment = services.comment_create(
            idea=idea, author=collaborator, body=form.cleaned_data["body"], parent=parent
        )
    except ValidationError as exc:
        messages.error(request, _message(exc))
        return redirect("community:idea", pk=pk)
    if comment.pending:
        messages.info(request, _("Merci ! Votre commentaire sera publié après relecture."))
    return redirect(f"{reverse('community:idea', kwargs={'pk': pk})}#commentaire-{comment.pk}")


@require_POST
@collaborator_required
def comment_upvote(request: HttpRequest, pk: int, *, collaborator: Collaborator) -> HttpResponse:
    comment = get_object_or_404(Comment, pk=pk, hidden=False, pending=False)
    try:
        services.comment_upvote(
            comment=comment, voter=collaborator, up=request.POST.get("action") != "remove"
        )
    except ValidationError as exc:
        messages.error(request, _message(exc))
    return redirect(f"{reverse('community:idea', kwargs={'pk': comment.idea_id})}#commentaire-{pk}")


@require_POST
@collaborator_required
def report(request: HttpRequest, pk: int, *, collaborator: Collaborator) -> HttpResponse:
    idea = get_object_or_404(Idea, pk=pk)
    form = ReportForm(request.POST)
    comment = None
    comment_id = request.POST.get("comment", "")
    if comment_id.isdigit():
        comment = Comment.objects.filter(pk=int(comment_id), idea=idea).first()
    if form.is_valid():
        try:
            services.report_create(
                reporter=collaborator,
                reason=form.cleaned_data["reason"],
                idea=None if comment else idea,
                comment=comment,
                detail=form.cleaned_data["detail"],
            )
        except ValidationError as exc:
            messages.error(request, _message(exc))
        else:
            messages.success(request, _("Merci, la modération va examiner ce signalement."))
    return redirect("community:idea", pk=pk)


# --- Head office and moderators ----------------------------------------------------------------
def _moderation(request: HttpRequest, pk: int, action: Callable[[Idea], Any]) -> HttpResponse:
    idea = get_object_or_404(Idea, pk=pk)
    try:
        result = action(idea)
    except ValidationError as exc:
        messages.error(request, _message(exc))
        return redirect("community:idea", pk=pk)
    messages.success(request, _("C'est fait."))
    target = result.pk if isinstance(result, Idea) else pk
    return redirect("community:idea", pk=target)


@require_POST
@moderator_required
def idea_status(request: HttpRequest, pk: int) -> HttpResponse:
    form = StatusForm(request.POST)

    def act(idea: Idea) -> Idea:
        if not form.is_valid():
            raise ValidationError(_("Choisissez un statut."))
        return services.idea_status_set(
            idea=idea,
            status=form.cleaned_data["status"],
            answer=form.cleaned_data["answer"],
            by=request.user,
        )

    return _moderation(request, pk, act)


@require_POST
@moderator_required
def idea_merge(request: HttpRequest, pk: int) -> HttpResponse:
    form = MergeForm(request.POST)

    def act(idea: Idea) -> Idea:
        target = (
            Idea.objects.filter(pk=form.cleaned_data["target"]).first() if form.is_valid() else None
        )
        if target is None:
            raise ValidationError(_("Idée cible introuvable."))
        return services.idea_merge(source=idea, target=target, by=request.user)

    return _moderation(request, pk, act)


@require_POST
@moderator_required
def idea_link(request: HttpRequest, pk: int) -> HttpResponse:
    form = LinkForm(request.POST)

    def act(idea: Idea) -> Any:
        if not form.is_valid():
            raise ValidationError(_("Indiquez le modèle, la famille et la valeur."))
        return services.idea_link_option(idea=idea, by=request.user, **form.cleaned_data)

    return _moderation(request, pk, act)


@require_POST
@moderator_required
def idea_hide(request: HttpRequest, pk: int) -> HttpResponse:
    form = HideForm(request.POST)

    def act(idea: Idea) -> Idea:
        return services.idea_hide(
            idea=idea,
            by=request.user,
            note=form.cleaned_data["note"] if form.is_valid() else "",
            hidden=request.POST.get("action") != "show",
        )

    return _moderation(request, pk, act)


@require_POST
@moderator_required
def idea_approve(request: HttpRequest, pk: int) -> HttpResponse:
    return _moderation(request, pk, lambda idea: services.idea_approve(idea=idea, by=request.user))


@require_GET
@moderator_required
def moderation_queue(request: HttpRequest) -> HttpResponse:
    from .models import ModerationAction, Report

    return render(
        request,
        "community/moderation.html",
        {
            "pending": Idea.objects.filter(status=Idea.Status.PENDING).select_related("author")[
                :50
            ],
            "reports": Report.objects.filter(resolved_at__isnull=True).select_related(
                "idea", "comment", "reporter"
            )[:50],
            "log": ModerationAction.objects.select_related("actor", "idea")[:50],
            **_chrome(request),
        },
    )


# --- Notifications -----------------------------------------------------------------------------
@require_http_methods(["GET", "POST"])
@collaborator_required
def notifications(request: HttpRequest, *, collaborator: Collaborator) -> HttpResponse:
    if request.method == "POST":
        services.notifications_mark_read(collaborator=collaborator)
        return redirect("community:notifications")
    return render(
        request,
        "community/notifications.html",
        {
            "items": collaborator.notifications.select_related("idea")[:50],
            "digest_error": collaborator.digest_error,
            **_chrome(request),
        },
    )


@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """One click: the e-mail's link (GET shows one button; POST, as RFC 8058 mail clients send,
    unsubscribes). A forged or altered token is refused."""
    collaborator = selectors.unsubscribe_collaborator(token)
    if collaborator is None:
        code_lookup_missed(request, "link")
        return render(request, "community/unsubscribe.html", {"invalid": True}, status=400)
    if request.method == "POST":
        services.digest_unsubscribe(collaborator=collaborator)
        return render(request, "community/unsubscribe.html", {"done": True})
    return render(request, "community/unsubscribe.html", {"token": token})
