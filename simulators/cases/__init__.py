"""统一申办受理 simulator."""
