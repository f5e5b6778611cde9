"""The accessibility and weight tier uses the shared browser fixtures (tests/browsers.py)."""
