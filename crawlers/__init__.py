"""Scrapy spiders for parliamentary sources. Imports `corpus` only (never pipeline/index/search_api)."""
