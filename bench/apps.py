from django.apps import AppConfig


class BenchConfig(AppConfig):
    """The benchmark tooling (`make bench`): seed_load's large made-up dataset and
    bench_scheduling. Installed only with DEBUG on or BENCH=1 (settings), never in a
    production site."""

    name = "bench"
    verbose_name = "Benchmarks"
