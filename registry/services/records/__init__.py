"""Records: the rules of each kind of record (``clean_*``), the one audited, version-checked write of a record
(``editing``), what may be archived, slugs and references, version counters and search text kept on flush, and
what a partner may write of its own organisation."""
