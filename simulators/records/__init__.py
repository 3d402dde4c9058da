"""社保医保公积金记录 (records) simulator: contributions, housing fund, medical insurance."""
