"""Page sizes of the JSON API (shared by the API and its OpenAPI description)."""

DEFAULT_LIMIT = 20
MAX_LIMIT = 100
GEOJSON_DEFAULT_LIMIT = 5000
GEOJSON_MAX_LIMIT = 5000
