"""The web app's routers: `api` (the JSON API under /api) and `pages` (HTML for people, and its files)."""
