"""The facility staff's pages in the console, one module per page group:

- board: the facilities list, the visit board and the daily list (page and CSV);
- visit: one visit, its check-in, completion, no-show, move and cancellation;
- periods: closures and lockdowns, for facility administrators;
- setup: scheduling settings, visit windows and terminals, for facility administrators.

Each view: who may act (console_required and a scoped queryset, so another facility's
object is a 404 like one that does not exist), a form, one service, render or redirect.
"""
