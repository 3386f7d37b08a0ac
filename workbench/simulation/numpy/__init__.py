"""The numpy target: step functions run as written (:mod:`.interpreter`), provably
equivalent loops replaced by array operations (:mod:`.vectorize`)."""
