from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class AdminConfig(admin_apps.AdminConfig):
    """The Django admin, behind the console's second factor (visitation.admin_site)."""

    default = False  # "visitation" in INSTALLED_APPS is still VisitationConfig
    default_site = "visitation.admin_site.SecondFactorAdminSite"


class VisitationConfig(AppConfig):
    name = "visitation"
    verbose_name = "Site"

    def ready(self):
        from axes.signals import user_locked_out
        from celery.signals import before_task_publish, setup_logging, task_postrun, task_prerun
        from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed

        from . import logging as site_logging

        site_logging.install_record_factory()
        user_logged_in.connect(site_logging.on_user_logged_in, dispatch_uid="log-login")
        user_logged_out.connect(site_logging.on_user_logged_out, dispatch_uid="log-logout")
        user_login_failed.connect(site_logging.on_user_login_failed, dispatch_uid="log-failed")
        user_locked_out.connect(site_logging.on_user_locked_out, dispatch_uid="log-lockout")
        before_task_publish.connect(site_logging.on_task_publish, dispatch_uid="log-publish")
        task_prerun.connect(site_logging.on_task_start, dispatch_uid="log-task-start")
        task_postrun.connect(site_logging.on_task_end, dispatch_uid="log-task-end")
        # The worker and beat keep Django's LOGGING: one line per event, like the web.
        setup_logging.connect(site_logging.on_celery_setup_logging, dispatch_uid="log-celery")
