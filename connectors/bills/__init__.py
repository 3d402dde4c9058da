"""水电气缴费: water, electricity and gas accounts and bills of people and companies."""
