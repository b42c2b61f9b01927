"""What the benchmarks need inside the package: the bulk loader and ``throughline bench``."""
