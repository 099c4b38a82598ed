"""The JSON API: /api/v1/trials (search, the same parameters as /trials) and /api/v1/trials/<NCT ID>."""
