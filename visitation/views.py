from django.conf import settings
from django.shortcuts import redirect, render
from django.views import i18n


def index(request):
    if request.user.is_authenticated:
        return redirect("accounts:home")
    return render(request, "index.html")


def set_language(request):
    """Django's language switch, also remembered on a signed-in user: emails, reminders and
    calendar files are written in `user.language`."""
    response = i18n.set_language(request)
    language = request.POST.get("language", "")
    if (
        request.method == "POST"
        and request.user.is_authenticated
        and language in dict(settings.LANGUAGES)
        and request.user.language != language
    ):
        request.user.language = language
        request.user.save(update_fields=["language"])
    return response
