"""Frequently asked questions shown on trial pages."""
