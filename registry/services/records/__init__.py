"""Records: the rules of each kind of record (``clean_*``), what may be archived, slugs and references, version
counters and search text kept on flush, and how a partner writes its own organisation."""
