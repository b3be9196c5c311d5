"""Shared test fixtures (loaded by the root conftest)."""
