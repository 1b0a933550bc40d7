"""The ingestion pipeline's stages: reader (files → chunks of text cells), validate
(catalogue rules, vectorised) and persist (the database's bulk path)."""
