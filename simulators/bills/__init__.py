"""水电气缴费 (utility bills) simulator: accounts and monthly bills with payment status."""
