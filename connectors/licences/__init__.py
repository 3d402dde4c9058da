"""电子证照库 (the electronic licence store)."""
