"""Patients ask the nearest study site to contact them."""
