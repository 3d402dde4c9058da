"""电子证照库 simulator."""
