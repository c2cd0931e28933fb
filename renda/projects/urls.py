from django.urls import path

from renda.projects.views import deputy, public, staff

app_name = "projects"

urlpatterns = [
    # The portal.
    path("projects/", public.index, name="public_index"),
    path("projects/<int:congress_id>/", public.year_page, name="public_year_current"),
    path("projects/<int:congress_id>/<int:year>/", public.year_page, name="public_year"),
    path("projects/<int:congress_id>/propose/", public.propose, name="propose"),
    path("projects/<int:congress_id>/<int:year>/survey/", public.survey, name="survey"),
    path("projects/project/<int:pk>/", public.project_page, name="public_project"),
    path("projects/batch/<int:pk>/", public.batch_page, name="public_batch"),
    path("projects/photo/<int:pk>/", public.photo, name="photo"),
    # Deputies.
    path("projects/votes/", deputy.my_votes, name="my_votes"),
    path("projects/votes/batch/<int:pk>/", deputy.materials, name="materials"),
    # The presidium office.
    path("office/projects/", staff.office, name="office"),
    path("office/projects/ideas/new/<int:congress_id>/", staff.idea_new, name="idea_new"),
    path("office/projects/ideas/<int:pk>/", staff.idea_detail, name="idea"),
    path("office/projects/ideas/<int:pk>/<slug:action>/", staff.idea_action, name="idea_action"),
    path("office/projects/from-case/<int:case_pk>/", staff.idea_from_case, name="idea_from_case"),
    path("office/projects/batches/", staff.batches, name="batches"),
    path("office/projects/batches/<int:pk>/", staff.batch_detail, name="batch"),
    path(
        "office/projects/batches/<int:pk>/<slug:action>/", staff.batch_action, name="batch_action"
    ),
    path(
        "office/projects/batches/<int:pk>/comments/<int:comment_pk>/<slug:action>/",
        staff.comment_action,
        name="comment_action",
    ),
    path("office/projects/list/", staff.project_list, name="projects"),
    path("office/projects/list/<int:pk>/", staff.project_detail, name="project"),
    path(
        "office/projects/list/<int:pk>/<slug:action>/",
        staff.project_action,
        name="project_action",
    ),
    path("office/projects/findings/<int:pk>/case/", staff.finding_case, name="finding_case"),
    path("office/projects/supervision-plan/", staff.supervision_plan, name="supervision_plan"),
    path("office/projects/rating/", staff.rating, name="rating"),
    path("office/projects/figures/", staff.figures_page, name="figures"),
    path("department/projects/", staff.department_projects, name="department"),
]
