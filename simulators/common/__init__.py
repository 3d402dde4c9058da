"""What every simulator shares: authentication, fault injection, the seeded population."""
