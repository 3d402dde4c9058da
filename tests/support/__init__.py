"""Test support: real processes and servers on loopback, never mocks of our own parts."""
