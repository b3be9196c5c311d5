from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from .console import console_session_mark

        def on_login(sender, request, user, **kwargs):
            if request is not None and hasattr(request, "session"):
                console_session_mark(user=user, session=request.session)

        user_logged_in.connect(on_login, dispatch_uid="console-session-mark", weak=False)
