"""Clients of the public services the registry reads: the company register (« API Recherche d'entreprises ») and
the Géoplateforme geocoder of the Base Adresse Nationale. Each answer is a proposal a person applies; when a
service cannot be reached the caller gets a French message and manual entry goes on working."""
