"""Z3 proofs that every transition of the spec preserves every invariant."""
