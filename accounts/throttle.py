def login_username(request, credentials=None) -> str:
    """The email django-axes counts sign-in failures under (AXES_USERNAME_CALLABLE).

    Sign-in accepts the email in any case, so the count must too: otherwise "Home@x.com"
    and "home@x.com" would each get their own allowance of wrong passwords.
    """
    data = credentials if credentials else getattr(request, "data", request.POST)
    return (data.get("username") or "").strip().lower()
