from django.urls import path

from renda.portal.views import public, staff

app_name = "portal"

urlpatterns = [
    # The public website.
    path("", public.home, name="home"),
    path("search/", public.search_view, name="search"),
    path("display/", public.display, name="display"),
    path("article/<int:pk>/", public.article, name="article"),
    path("article/<int:pk>/print/", public.article_print, name="article_print"),
    path("article/<int:pk>/cover/", public.cover, name="cover"),
    path("files/<int:pk>/", public.attachment, name="attachment"),
    path("images/<int:pk>/", public.image, name="image"),
    path("site/<slug:slug>/", public.site_home, name="site"),
    path("site/<slug:slug>/<slug:channel_slug>/", public.channel, name="channel"),
    path("site/<slug:slug>/<slug:channel_slug>/rss/", public.channel_feed, name="feed"),
    # The back office.
    path("office/", staff.article_list, name="staff_list"),
    path("office/figures/", staff.figures, name="staff_figures"),
    path("office/reindex/", staff.reindex, name="staff_reindex"),
    path("office/new/<int:site_id>/", staff.article_new, name="staff_new"),
    path("office/images/<int:site_id>/", staff.image_upload, name="staff_image"),
    path("office/<int:pk>/", staff.article_detail, name="staff_article"),
    path("office/<int:pk>/edit/", staff.article_edit, name="staff_edit"),
    path("office/<int:pk>/versions/<int:number>/", staff.version_detail, name="staff_version"),
    path("office/<int:pk>/attachments/", staff.attachment_add, name="staff_attach"),
    path(
        "office/<int:pk>/attachments/<int:attachment_id>/hide/",
        staff.attachment_hide,
        name="staff_attachment_hide",
    ),
    path("office/<int:pk>/<slug:action>/", staff.article_action, name="staff_action"),
]
