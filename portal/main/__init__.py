"""Home page, health check and error pages."""

from portal.main.views import bp

__all__ = ["bp"]
