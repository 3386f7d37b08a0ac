"""Helpers every target's code generator shares: parsing steps, printing code, element-wise proofs."""
