"""Open311 GeoReport v2 (with servicerequestupdates) over the report pipeline."""
