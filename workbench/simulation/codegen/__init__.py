"""What the targets' code generators share: parsing steps, printing code, element-wise proofs."""
