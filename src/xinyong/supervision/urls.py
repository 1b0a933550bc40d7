"""Workspace pages of supervision, mounted at /workspace/supervision/. Grading and draws
each add their own patterns here."""

from django.urls import URLPattern, URLResolver, path

from . import views_draws, views_grades

app_name = "supervision"

urlpatterns: list[URLPattern | URLResolver] = [
    # grading
    path("grades/", views_grades.grade_home, name="grades"),
    path("grades/model/", views_grades.grade_model, name="grade-model"),
    path("grades/recompute/", views_grades.grade_recompute, name="grade-recompute"),
    path("grades/subject/<int:pk>/", views_grades.grade_subject, name="grade-subject"),
    # draws: policies, inspectors and conflicts, draws, inspection results
    *views_draws.staff_urlpatterns,
]
