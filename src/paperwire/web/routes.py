"""Every route of the site, in one table to read top to bottom (specific paths before the
catch-all paper path). The JSON API and the RSS/Atom feeds bring their own tables."""

from __future__ import annotations

from fastapi import FastAPI

from paperwire.web import (
    admin_pages,
    api,
    digest_pages,
    feed_pages,
    for_you_pages,
    library_pages,
    metrics,
    openapi,
    pages,
    site_pages,
    syndication,
)
from paperwire.web.routing import Route

HTML_ROUTES: list[Route] = [
    Route("/", feed_pages.home, name="home"),
    Route("/papers/trending", feed_pages.trending, name="trending"),
    Route("/papers/week", feed_pages.latest_week),
    Route("/papers/month", feed_pages.latest_month),
    Route("/papers/date/{day}", feed_pages.day, name="day"),
    Route("/papers/week/{week}", feed_pages.week, name="week"),
    Route("/papers/month/{month}", feed_pages.month, name="month"),
    Route("/papers/{paper_id:path}/vote", pages.vote, ("POST",)),
    Route("/papers/{paper_id:path}/comments", pages.comment, ("POST",)),
    Route("/papers/{paper_id:path}/collect", pages.collect, ("POST",)),
    Route("/papers/{paper_id:path}/remove", pages.remove_submission, ("POST",)),
    Route("/papers/{paper_id:path}/not-interested", pages.not_interested, ("POST",)),
    Route("/papers/{paper_id:path}", pages.paper, name="paper"),
    Route("/comments/{comment_id:int}/edit", pages.edit_comment, ("POST",)),
    Route("/comments/{comment_id:int}/delete", pages.delete_comment, ("POST",)),
    Route("/comments/{comment_id:int}/hide", pages.hide_comment, ("POST",)),
    Route("/comments/{comment_id:int}/show", pages.show_comment, ("POST",)),
    Route("/search", pages.search, name="search"),
    # :path, because a name may hold a "/" (its %2F is decoded before routing).
    Route("/authors/{name:path}", feed_pages.author, name="author"),
    Route("/categories/{category:path}", feed_pages.category, name="category"),
    Route("/signup", pages.signup_form),
    Route("/signup", pages.signup, ("POST",)),
    Route("/login", pages.login_form),
    Route("/login", pages.login, ("POST",)),
    Route("/logout", pages.logout, ("POST",)),
    Route("/account", pages.account),
    Route("/account/password", pages.change_password, ("POST",)),
    Route("/account/delete", pages.delete_account, ("POST",)),
    Route(library_pages.UPLOAD_PATH, library_pages.import_library, ("POST",)),
    Route(for_you_pages.PATH, for_you_pages.for_you),
    Route("/account/signals", pages.add_signal, ("POST",)),
    Route("/account/signals/remove", pages.remove_signal, ("POST",)),
    Route(for_you_pages.FEED_PATH, for_you_pages.feed),
    Route(for_you_pages.EXPORT_PATH, for_you_pages.export),
    Route("/account/tokens", pages.create_token, ("POST",)),
    Route("/account/tokens/{token_id:int}/revoke", pages.revoke_token, ("POST",)),
    Route("/submit", pages.submit_form),
    Route("/submit", pages.submit, ("POST",)),
    Route("/collections", pages.create_collection, ("POST",)),
    Route("/u/{username}", pages.profile, name="profile"),
    Route("/u/{username}/c/{slug}/export.{ext}", library_pages.export_collection),
    Route("/u/{username}/c/{slug}", pages.collection, name="collection"),
    Route("/u/{username}/c/{slug}/edit", pages.edit_collection, ("POST",)),
    Route("/subscribe", digest_pages.subscribe_form, name="subscribe"),
    Route("/subscribe", digest_pages.subscribe, ("POST",)),
    Route("/digest/confirm", digest_pages.confirm_page),
    Route("/digest/confirm", digest_pages.confirm, ("POST",)),
    Route("/digest/unsubscribe", digest_pages.unsubscribe_page),
    Route("/digest/unsubscribe", digest_pages.unsubscribe, ("POST",)),
    Route("/digest/manage", digest_pages.manage_link, ("POST",)),
    Route("/digest/preferences", digest_pages.preferences_page),
    Route("/digest/preferences", digest_pages.preferences_update, ("POST",)),
    Route("/digest/preview/{subscription_id:int}", digest_pages.preview),
    Route("/digest/feed/{token}.xml", digest_pages.feed),
    Route("/admin/outbox", admin_pages.outbox, name="outbox"),
    Route("/admin/outbox/{mail_id:int}", admin_pages.outbox_message),
    Route("/admin/outbox/{mail_id:int}/html", admin_pages.outbox_html),
    Route("/healthz", pages.healthz),
    Route("/metrics", metrics.metrics),
    Route("/docs", site_pages.docs),
    Route("/robots.txt", site_pages.robots),
    Route("/sitemap.xml", site_pages.sitemap_index),
    Route("/sitemap/site.xml", site_pages.sitemap_site),
    Route("/sitemap/papers-{page:int}.xml", site_pages.sitemap_papers),
]


def install(app: FastAPI) -> None:
    # API and feed routes first: their paths are more specific than the HTML catch-alls.
    for route in [*api.ROUTES, *syndication.ROUTES, *HTML_ROUTES]:
        app.add_api_route(
            route.path,
            route.endpoint,
            methods=list(route.methods),
            name=route.name,
            include_in_schema=route.api,
            response_model=None,
            responses=openapi.responses(route.errors) if route.api else None,
        )
        if "GET" in route.methods:
            # HEAD answers wherever GET does (monitors and feed readers ask it; the server
            # sends the headers without the body). A route of its own, out of the OpenAPI
            # document, which would otherwise list every operation twice.
            app.add_api_route(
                route.path,
                route.endpoint,
                methods=["HEAD"],
                include_in_schema=False,
                response_model=None,
            )
    openapi.without_unanswered_422(app)
