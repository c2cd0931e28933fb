from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "renda.portal"
    label = "portal"
    verbose_name = _("Public portal")

    def ready(self) -> None:
        # The workspace (congress) shows this app's to-dos.
        from renda.congress.workspace import register as register_todos
        from renda.portal import workspace as portal_workspace

        register_todos(portal_workspace.office_todos)

        # The search index is generic (content type + object id): each source of public
        # items registers how to index it. Articles are the portal's own; published
        # suggestion replies come from the suggestions app (imported here, never there).
        from renda.portal import sources

        sources.register_defaults()

        # Apps below hand the portal what they publish as article drafts through
        # renda.core.publishing; the portal makes the drafts.
        from renda.core import publishing

        publishing.register_drafter(sources.Drafts())

        # Reindexing runs as a background job with its progress (renda.core.jobs).
        from renda.core import jobs

        jobs.register_runner(jobs.REINDEX, sources.reindex_job)

        from renda.portal import tables  # noqa: F401  (its exports)
